/** One row of the table. */
export interface TableRow {
  readonly id: number;
  readonly name: string;
}

/** Rows a cursor reads from storage at once. */
const PAGE = 500;

/**
 * The first `n` rows of a table, read a page at a time, as a database cursor reads them: an
 * async generator that reads the next page only when asked for its next rows.
 */
export async function* readTable(n: number): AsyncGenerator<TableRow> {
  for (let id = 0; id < n; id++) {
    // Reading a page from storage takes a turn of the event loop.
    if (id % PAGE === 0) await new Promise((resolve) => setImmediate(resolve));
    yield { id, name: `row ${id}` };
  }
}
