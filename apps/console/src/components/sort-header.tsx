/** A column header that sorts the list by it: `name`, then `-name` (newest or largest first). */
export function SortHeader({ label, field, sort, onSort }: { label: string; field: string; sort: string; onSort: (sort: string) => void }) {
  const ascending = sort === field;
  const descending = sort === `-${field}`;
  return (
    <th scope="col" aria-sort={ascending ? 'ascending' : descending ? 'descending' : 'none'}>
      <button type="button" className="sort" onClick={() => onSort(ascending ? `-${field}` : field)}>
        {label}
        <span aria-hidden="true">{ascending ? ' ▲' : descending ? ' ▼' : ''}</span>
      </button>
    </th>
  );
}
