-- The dashboard's counts, kept by the database itself: applications per (programme, region,
-- status, hospital; 0 when none is given) and application links per area. Triggers keep them
-- in step with every insert, update and delete in the same transaction, whoever writes (the web
-- application, an import, the CLI, the daily job), so a count is one small read instead of a
-- scan of the region's applications after every change.
CREATE TABLE application_counts (
    programme_id TEXT NOT NULL,
    region_code INTEGER NOT NULL,
    status TEXT NOT NULL,
    hospital_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (programme_id, region_code, status, hospital_id)
);
INSERT INTO application_counts (programme_id, region_code, status, hospital_id, n)
SELECT programme_id, region_code, status, COALESCE(hospital_id, 0), COUNT(*)
FROM applications GROUP BY programme_id, region_code, status, COALESCE(hospital_id, 0);

CREATE TRIGGER application_counts_insert AFTER INSERT ON applications BEGIN
    INSERT INTO application_counts (programme_id, region_code, status, hospital_id, n)
    VALUES (NEW.programme_id, NEW.region_code, NEW.status, COALESCE(NEW.hospital_id, 0), 1)
    ON CONFLICT (programme_id, region_code, status, hospital_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER application_counts_delete AFTER DELETE ON applications BEGIN
    UPDATE application_counts SET n = n - 1
    WHERE programme_id = OLD.programme_id AND region_code = OLD.region_code
      AND status = OLD.status AND hospital_id = COALESCE(OLD.hospital_id, 0);
END;

CREATE TRIGGER application_counts_update
AFTER UPDATE OF programme_id, region_code, status, hospital_id ON applications
WHEN OLD.programme_id IS NOT NEW.programme_id OR OLD.region_code IS NOT NEW.region_code
  OR OLD.status IS NOT NEW.status OR OLD.hospital_id IS NOT NEW.hospital_id
BEGIN
    UPDATE application_counts SET n = n - 1
    WHERE programme_id = OLD.programme_id AND region_code = OLD.region_code
      AND status = OLD.status AND hospital_id = COALESCE(OLD.hospital_id, 0);
    INSERT INTO application_counts (programme_id, region_code, status, hospital_id, n)
    VALUES (NEW.programme_id, NEW.region_code, NEW.status, COALESCE(NEW.hospital_id, 0), 1)
    ON CONFLICT (programme_id, region_code, status, hospital_id) DO UPDATE SET n = n + 1;
END;

CREATE TABLE area_counts (
    area_id INTEGER PRIMARY KEY,
    n INTEGER NOT NULL
);
INSERT INTO area_counts (area_id, n)
SELECT area_id, COUNT(*) FROM application_areas GROUP BY area_id;

CREATE TRIGGER area_counts_insert AFTER INSERT ON application_areas BEGIN
    INSERT INTO area_counts (area_id, n) VALUES (NEW.area_id, 1)
    ON CONFLICT (area_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER area_counts_delete AFTER DELETE ON application_areas BEGIN
    UPDATE area_counts SET n = n - 1 WHERE area_id = OLD.area_id;
END;

CREATE TRIGGER area_counts_update AFTER UPDATE OF area_id ON application_areas
WHEN OLD.area_id IS NOT NEW.area_id
BEGIN
    UPDATE area_counts SET n = n - 1 WHERE area_id = OLD.area_id;
    INSERT INTO area_counts (area_id, n) VALUES (NEW.area_id, 1)
    ON CONFLICT (area_id) DO UPDATE SET n = n + 1;
END;
