// Reads values back from a SQLite store's log in the API's thread, while the engine that writes
// them runs in a worker thread (sqlite-worker.ts): a read-only connection of its own to the file,
// which WAL lets read beside the writer. Synchronous, so that a watch cache can hold a version as
// its revision alone and read its bytes when they are wanted (CachedObject.logged).
import Database from 'better-sqlite3';
import { VALUE_AT } from './sqlite-engine.js';

export class LogReader {
  private db?: Database.Database;
  private statement?: Database.Statement<[number], { value: string | null }>;

  constructor(private readonly path: string) {}

  /** The value the put at `revision` wrote, or undefined (compacted, a delete's, or the store closed). */
  valueAt(revision: number): string | undefined {
    if (!this.statement) {
      // Opened on first use: the file exists by then (its first write has committed).
      this.db = new Database(this.path, { readonly: true, fileMustExist: true });
      this.statement = this.db.prepare<[number], { value: string | null }>(VALUE_AT);
    }
    return this.statement.get(revision)?.value ?? undefined;
  }

  close(): void {
    this.db?.close();
    this.statement = undefined;
  }
}
