-- keep_unit_stages bounds both sides of its join by the units it is
-- given. It joined units to the view on id and bounded only units, so its
-- generic plan could read the view's every unit (a hash join over a
-- sequential scan of units) on each call: a plan made while units held
-- few rows, or without their statistics, made every later row a bulk
-- sale or a batch handover wrote cost a scan of the whole table. Bounded
-- on both sides, each is an index scan of the given ids whatever the
-- statistics say.
CREATE OR REPLACE FUNCTION keep_unit_stages(ids BIGINT[]) RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
	PERFORM 1 FROM units WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
	UPDATE units SET stage = s.stage FROM unit_stages s
	WHERE units.id = ANY (ids) AND s.id = ANY (ids) AND s.id = units.id AND units.stage <> s.stage;
END;
$$;
