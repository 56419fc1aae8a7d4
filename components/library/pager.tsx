import { PAGE_SIZE } from "./list-params";

/** "N traces" and previous/next page; the server pages, so only one page is ever in the browser. */
export function Pager({ page, total, onPage }: { page: number; total: number | undefined; onPage: (page: number) => void }) {
  const pages = total === undefined ? page : Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = (page - 1) * PAGE_SIZE;
  return (
    <div className="pager">
      <span data-testid="trace-count">{total === undefined ? "…" : `${total.toLocaleString()} trace${total === 1 ? "" : "s"}`}</span>
      {total !== undefined && total > 0 && (
        <span className="muted small">
          {(first + 1).toLocaleString()}–{Math.min(first + PAGE_SIZE, total).toLocaleString()} · page {page} of {pages}
        </span>
      )}
      <button type="button" data-testid="page-prev" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <button type="button" data-testid="page-next" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </div>
  );
}
