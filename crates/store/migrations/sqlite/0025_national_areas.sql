-- A region's priority area placed under one of its programme's national priority areas, so the
-- national view can compare the regions (empty: not placed; an area named like a national one
-- counts as placed under it).
ALTER TABLE areas ADD COLUMN national_area TEXT NOT NULL DEFAULT '';
