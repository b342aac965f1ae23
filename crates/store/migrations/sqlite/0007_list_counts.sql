-- The per-hospital counts come from application_counts (0006) and the list's hospital filter
-- uses applications_region_hospital (0004): this index only cost every write.
DROP INDEX applications_programme_hospital;
