// Every list endpoint answers in this shape. The views the API answers with are
// classes (with no code) rather than interfaces so that the API description can read them.
export class Pagination {
  total!: number;
  total_pages!: number;
  /** This list's next page, as a URL of this API; null on the last page. */
  next!: string | null;
  /** This list's previous page, as a URL of this API; null on the first page. */
  previous!: string | null;
}

export interface Page<T> {
  pagination: Pagination;
  results: T[];
}
