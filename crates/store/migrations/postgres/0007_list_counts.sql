-- The per-hospital counts come from application_counts (0006) and the list's hospital filter
-- uses applications_region_hospital (0004): this index only cost every write.
DROP INDEX applications_programme_hospital;

-- The lists read applications by index only, which skips the table only for pages the
-- visibility map marks all-visible. With the default thresholds autovacuum lets a fifth of the
-- table change first (20,000 rows at national scale), and every list then reads those rows'
-- pages too; vacuuming after 2 % keeps the map close to current at little cost.
ALTER TABLE applications SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);
