/**
 * Set-returning pg_catalog functions that compute their rows only from their arguments. Any other function in FROM
 * may read tables: its columns are unknown (lineage-from.ts). The number of rows they make is counted from their
 * arguments (lineage-expr.ts).
 */
export const ROW_FUNCTIONS: ReadonlySet<string> = new Set([
  'unnest', 'generate_series', 'generate_subscripts', 'json_each', 'json_each_text', 'jsonb_each', 'jsonb_each_text',
  'json_array_elements', 'json_array_elements_text', 'jsonb_array_elements', 'jsonb_array_elements_text',
  'json_object_keys', 'jsonb_object_keys', 'json_populate_record', 'jsonb_populate_record', 'json_populate_recordset',
  'jsonb_populate_recordset', 'json_to_record', 'jsonb_to_record', 'json_to_recordset', 'jsonb_to_recordset',
  'jsonb_path_query', 'regexp_matches', 'regexp_split_to_table', 'string_to_table', 'ts_stat_text',
  // Catalog metadata of the relation or options given (psql's \d+ and \dP+ read them).
  'pg_partition_tree', 'pg_partition_ancestors', 'pg_options_to_table',
])
