// Every list endpoint answers in this shape (seed 003).
export interface Pagination {
  total: number;
  total_pages: number;
  next: string | null;
  previous: string | null;
}

export interface Page<T> {
  pagination: Pagination;
  results: T[];
}
