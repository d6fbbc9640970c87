import type { Pagination } from '../api/warden-api';

export const PAGE_SIZES = [25, 50, 100] as const;

/** Previous / next through a paginated list, and how many a page shows. */
export function Pager(props: { label: string; page: number; pageSize: number; pagination?: Pagination; onPage: (page: number) => void; onPageSize: (size: number) => void }) {
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
