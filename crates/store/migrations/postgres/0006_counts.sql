-- The dashboard's counts, kept by the database itself: applications per (programme, region,
-- status, hospital; 0 when none is given) and application links per area. Triggers keep them
-- in step with every insert, update and delete in the same transaction, whoever writes (the web
-- application, an import, the CLI, the daily job), so a count is one small read instead of a
-- scan of the region's applications after every change.
CREATE TABLE application_counts (
    programme_id TEXT NOT NULL,
    region_code BIGINT NOT NULL,
    status TEXT NOT NULL,
    hospital_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (programme_id, region_code, status, hospital_id)
);
INSERT INTO application_counts (programme_id, region_code, status, hospital_id, n)
SELECT programme_id, region_code, status, COALESCE(hospital_id, 0), COUNT(*)
FROM applications GROUP BY programme_id, region_code, status, COALESCE(hospital_id, 0);

-- Each change first locks its region's row in data_versions, which the change's audit entry
-- locks anyway (versions::bump): changes within a region take the count rows one after the
-- other, so two of them moving applications in opposite directions cannot deadlock.
CREATE FUNCTION application_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.programme_id = NEW.programme_id AND OLD.region_code = NEW.region_code
       AND OLD.status = NEW.status AND OLD.hospital_id IS NOT DISTINCT FROM NEW.hospital_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM 1 FROM data_versions WHERE region_code = OLD.region_code FOR UPDATE;
        UPDATE application_counts SET n = n - 1
        WHERE programme_id = OLD.programme_id AND region_code = OLD.region_code
          AND status = OLD.status AND hospital_id = COALESCE(OLD.hospital_id, 0);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM 1 FROM data_versions WHERE region_code = NEW.region_code FOR UPDATE;
        INSERT INTO application_counts (programme_id, region_code, status, hospital_id, n)
        VALUES (NEW.programme_id, NEW.region_code, NEW.status, COALESCE(NEW.hospital_id, 0), 1)
        ON CONFLICT (programme_id, region_code, status, hospital_id)
        DO UPDATE SET n = application_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER application_counts_follow
AFTER INSERT OR DELETE OR UPDATE OF programme_id, region_code, status, hospital_id ON applications
FOR EACH ROW EXECUTE FUNCTION application_counts_follow();

CREATE TABLE area_counts (
    area_id BIGINT PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO area_counts (area_id, n)
SELECT area_id, COUNT(*) FROM application_areas GROUP BY area_id;

CREATE FUNCTION area_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.area_id = NEW.area_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM 1 FROM data_versions v JOIN areas a ON a.region_code = v.region_code
        WHERE a.id = OLD.area_id FOR UPDATE OF v;
        UPDATE area_counts SET n = n - 1 WHERE area_id = OLD.area_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM 1 FROM data_versions v JOIN areas a ON a.region_code = v.region_code
        WHERE a.id = NEW.area_id FOR UPDATE OF v;
        INSERT INTO area_counts VALUES (NEW.area_id, 1)
        ON CONFLICT (area_id) DO UPDATE SET n = area_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER area_counts_follow
AFTER INSERT OR DELETE OR UPDATE OF area_id ON application_areas
FOR EACH ROW EXECUTE FUNCTION area_counts_follow();
