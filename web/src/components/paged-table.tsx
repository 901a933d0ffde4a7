/**
 * A server-paged list as every page shows one: loading, its error, an empty note, the table
 * (caption, header row, the rows given as children) in its own scrolling region, and the
 * previous/next pager.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import {
  Empty,
  ErrorNote,
  Loading,
  PagerNav,
  TableRegion,
  type Loaded,
  type SortDirection,
  type usePager,
} from '../ui';

export function PagedTable(props: {
  /** What is loading, as in "Loading bots…". */
  what: string;
  loaded: Loaded<{ nextToken?: string | undefined }>;
  /** How many rows the current page has. */
  count: number;
  empty: ComponentChildren;
  caption?: ComponentChildren;
  /** The header row's cells. */
  head: ComponentChildren;
  pager: ReturnType<typeof usePager>;
  /** Marks the table busy while a page loads (its old rows stay shown). */
  busy?: boolean;
  children: ComponentChildren;
}) {
  const { loaded, pager } = props;
  return (
    <>
      {loaded.loading && !loaded.data ? <Loading what={props.what} /> : null}
      <ErrorNote error={loaded.error} />
      {loaded.data && props.count === 0 ? <Empty>{props.empty}</Empty> : null}
      {props.count > 0 ? (
        <TableRegion
          caption={props.caption}
          label={props.what}
          head={props.head}
          {...(props.busy !== undefined ? { busy: props.busy } : {})}
        >
          {props.children}
        </TableRegion>
      ) : null}
      <PagerNav
        page={pager.page}
        nextToken={loaded.data?.nextToken}
        onNext={pager.next}
        onPrevious={pager.previous}
      />
    </>
  );
}

/** A list's sort order, with the handler its SortHeaders call and a key that changes with it. */
export function useSort(field: string, direction: SortDirection = 'ASC') {
  const [sort, setSort] = useState<{ field: string; direction: SortDirection }>({
    field,
    direction,
  });
  return {
    sort,
    onSort: (f: string, d: SortDirection) => setSort({ field: f, direction: d }),
    /** For usePager's reset: a new order starts at the first page. */
    sortKey: `${sort.field}|${sort.direction}`,
  };
}
