-- A counter per region, and one for national data (region 0), that every audited change bumps
-- in its own transaction: computed views (dashboard counts, reports) are kept between requests
-- labelled with the version they were computed from, and one indexed read tells whether they
-- are still current, on every server instance sharing the database.
CREATE TABLE data_versions (
    region_code BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (region_code, version) VALUES (0, 0), (1081, 0), (1082, 0), (1083, 0), (1084, 0), (1085, 0);

-- The list filtered by hospital, newest first, without sorting; and the area filter counted
-- from the area's side on an index that holds the application.
CREATE INDEX applications_region_hospital ON applications (region_code, hospital_id, id);
CREATE INDEX application_areas_area_application ON application_areas (area_id, application_id);
DROP INDEX application_areas_area;
