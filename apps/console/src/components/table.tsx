import { Fragment, type ReactNode } from 'react';
import type { Pagination } from '../api/warden-api';
import { Pager, type PagerProps } from './pager';
import { ProblemAlert } from './problem-alert';

/** A column's header: a plain label, or an element of its own (a SortHeader). */
export type Column = string | ReactNode;

/** A table of rows with a last, unlabelled column for each row's actions. */
export function Table<Row>(props: {
  label: string;
  caption?: ReactNode;
  columns: readonly Column[];
  rows?: readonly Row[];
  busy?: boolean;
  children: (row: Row) => ReactNode;
}) {
  return (
    <table aria-label={props.label} aria-busy={props.busy}>
      {props.caption && <caption>{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((column, index) =>
            typeof column === 'string' ? (
              <th key={column} scope="col">
                {column}
              </th>
            ) : (
              <Fragment key={index}>{column}</Fragment>
            ),
          )}
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>{props.rows?.map(props.children)}</tbody>
    </table>
  );
}

/**
 * A page of a list the API pages: its refusal (or `error`, where the screen has more to say),
 * the table (busy while a page loads), `empty` when the page has no row, and the pager.
 */
export function PagedTable<Row>(props: {
  label: string;
  columns: readonly Column[];
  loaded: { data?: { results: Row[]; pagination: Pagination }; error?: unknown; loading: boolean };
  error?: unknown;
  empty?: string;
  pager: PagerProps;
  children: (row: Row) => ReactNode;
}) {
  const { data } = props.loaded;
  return (
    <>
      <ProblemAlert error={props.error ?? props.loaded.error} />
      <Table label={props.label} columns={props.columns} rows={data?.results} busy={props.loaded.loading}>
        {props.children}
      </Table>
      {props.empty && data?.results.length === 0 && <p>{props.empty}</p>}
      <Pager label={props.label} pagination={data?.pagination} {...props.pager} />
    </>
  );
}
