import type { ComponentChildren, VNode } from 'preact';

/** A column heading; `num` right-aligns a column of numbers. */
export type Column = string | { label: string; num: true };

/**
 * A data table: a caption, a header row, one row per item and, for an empty
 * list, one row saying so. A column given as `false` is left out, for columns
 * shown only sometimes; rows not loaded yet (`undefined`) show nothing.
 */
export function Table<T>({
  id,
  caption,
  columns,
  rows,
  row,
  empty,
}: {
  id?: string;
  caption: ComponentChildren;
  columns: readonly (Column | false)[];
  rows: readonly T[] | undefined;
  /** One `<tr>` with a key. */
  row: (item: T) => VNode;
  empty?: string;
}) {
  const shown = columns.filter((c): c is Column => c !== false);
  return (
    <table id={id}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {shown.map((c) =>
            typeof c === 'string' ? (
              <th key={c} scope="col">
                {c}
              </th>
            ) : (
              <th key={c.label} scope="col" class="num">
                {c.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>
        {empty !== undefined && rows?.length === 0 && (
          <tr>
            <td colSpan={shown.length}>{empty}</td>
          </tr>
        )}
        {rows?.map(row)}
      </tbody>
    </table>
  );
}
