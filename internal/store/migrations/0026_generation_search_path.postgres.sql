-- The trigger function finds the generations table in the schema it was
-- created in, whatever the search_path of the session whose change fires
-- it (an operator's psql, a data-only restore that empties search_path).
ALTER FUNCTION bump_generation() SET search_path FROM CURRENT;
