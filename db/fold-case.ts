/**
 * Case folding for the admin search, the same on both adapters and for the query: JS toLowerCase(), full
 * Unicode ("Übersicht" → "übersicht", "ÉCRAN" → "écran"). SQLite gets it as the application function fold()
 * (connection.ts), since its own lower() folds ASCII letters only; PostgreSQL uses lower() under the ICU root
 * collation, which folds as toLowerCase() does (postgres/admin-search.repository.ts).
 */
export function foldCase(text: string): string {
  return text.toLowerCase();
}
