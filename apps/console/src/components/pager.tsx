import { useState } from 'react';
import type { Pagination } from '../api/warden-api';

export const PAGE_SIZES = [25, 50, 100] as const;

export interface PagerProps {
  page: number;
  pageSize: number;
  onPage: (page: number) => void;
  onPageSize: (size: number) => void;
}

/** The page a paginated list shows and its size; a new size, or `first()` after a new filter, starts again at page 1. */
export function usePaging(): { page: number; pageSize: number; first: () => void; pager: PagerProps } {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState<number>(PAGE_SIZES[0]);
  const onPageSize = (size: number) => {
    setPageSize(size);
    setPage(1);
  };
  return { page, pageSize, first: () => setPage(1), pager: { page, pageSize, onPage: setPage, onPageSize } };
}

/** Previous / next through a paginated list, and how many a page shows. */
export function Pager(props: PagerProps & { label: string; pagination?: Pagination }) {
  const { pagination } = props;
  const pages = Math.max(1, pagination?.total_pages ?? 1);
  return (
    <nav className="pager" aria-label={`${props.label} pages`}>
      <button type="button" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        Previous page
      </button>
      <span>
        Page {props.page} of {pages} ({pagination?.total ?? 0} in all)
      </span>
      <button type="button" disabled={!pagination?.next} onClick={() => props.onPage(props.page + 1)}>
        Next page
      </button>
      <label>
        Per page{' '}
        <select value={props.pageSize} onChange={(event) => props.onPageSize(Number(event.target.value))}>
          {PAGE_SIZES.map((size) => (
            <option key={size}>{size}</option>
          ))}
        </select>
      </label>
    </nav>
  );
}
