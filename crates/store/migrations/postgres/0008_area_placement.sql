-- Each link between an application and an area carries the application's region and hospital
-- (0 when none), kept by triggers whoever writes, so the application list filtered by area and
-- hospital counts its total in one index range instead of probing each of the hospital's
-- applications for the area.
ALTER TABLE application_areas
    ADD COLUMN region_code BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN hospital_id BIGINT NOT NULL DEFAULT 0;
UPDATE application_areas aa SET region_code = a.region_code, hospital_id = COALESCE(a.hospital_id, 0)
FROM applications a WHERE a.id = aa.application_id;
CREATE INDEX application_areas_area_hospital ON application_areas (area_id, region_code, hospital_id);

CREATE FUNCTION application_areas_placed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.region_code := COALESCE((SELECT a.region_code FROM applications a WHERE a.id = NEW.application_id), 0);
    NEW.hospital_id := COALESCE((SELECT a.hospital_id FROM applications a WHERE a.id = NEW.application_id), 0);
    RETURN NEW;
END $$;

CREATE TRIGGER application_areas_placed
BEFORE INSERT ON application_areas
FOR EACH ROW EXECUTE FUNCTION application_areas_placed();

CREATE FUNCTION applications_areas_placed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE application_areas SET region_code = NEW.region_code, hospital_id = COALESCE(NEW.hospital_id, 0)
    WHERE application_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER applications_areas_placed
AFTER UPDATE OF region_code, hospital_id ON applications
FOR EACH ROW
WHEN (OLD.region_code IS DISTINCT FROM NEW.region_code OR OLD.hospital_id IS DISTINCT FROM NEW.hospital_id)
EXECUTE FUNCTION applications_areas_placed();
