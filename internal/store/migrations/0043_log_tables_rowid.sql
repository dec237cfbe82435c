-- The register log's tables as SQLite stores them: see the .sqlite.sql
-- part. PostgreSQL's are already one heap and their indexes.
SELECT 1;
