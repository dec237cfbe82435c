-- A county's contract list reads its newest contracts page by page: this
-- index walks them in id order within the jurisdiction and stops at the
-- page, instead of sorting every contract of the county for each page.
CREATE INDEX contracts_jurisdiction_id ON contracts (jurisdiction, id);
