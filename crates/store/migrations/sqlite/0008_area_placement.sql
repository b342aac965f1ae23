-- Each link between an application and an area carries the application's region and hospital
-- (0 when none), kept by triggers whoever writes, so the application list filtered by area and
-- hospital counts its total in one index range instead of probing each of the hospital's
-- applications for the area.
ALTER TABLE application_areas ADD COLUMN region_code INTEGER NOT NULL DEFAULT 0;
ALTER TABLE application_areas ADD COLUMN hospital_id INTEGER NOT NULL DEFAULT 0;
UPDATE application_areas SET
    region_code = COALESCE((SELECT a.region_code FROM applications a WHERE a.id = application_areas.application_id), 0),
    hospital_id = COALESCE((SELECT a.hospital_id FROM applications a WHERE a.id = application_areas.application_id), 0);
CREATE INDEX application_areas_area_hospital ON application_areas (area_id, region_code, hospital_id);

CREATE TRIGGER application_areas_placed AFTER INSERT ON application_areas BEGIN
    UPDATE application_areas SET
        region_code = COALESCE((SELECT a.region_code FROM applications a WHERE a.id = NEW.application_id), 0),
        hospital_id = COALESCE((SELECT a.hospital_id FROM applications a WHERE a.id = NEW.application_id), 0)
    WHERE application_id = NEW.application_id AND area_id = NEW.area_id;
END;

CREATE TRIGGER applications_areas_placed AFTER UPDATE OF region_code, hospital_id ON applications
WHEN OLD.region_code IS NOT NEW.region_code OR OLD.hospital_id IS NOT NEW.hospital_id
BEGIN
    UPDATE application_areas SET region_code = NEW.region_code, hospital_id = COALESCE(NEW.hospital_id, 0)
    WHERE application_id = NEW.id;
END;
