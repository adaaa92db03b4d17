-- reports.sql — analytical queries over the shop schema (see schema.sql).
SET search_path TO shop, public;

-- 1. Monthly revenue with month-over-month growth (window functions).
WITH monthly AS (
    SELECT date_trunc('month', o.placed_at)                AS month,
           sum(ol.quantity * ol.unit_price_cents) / 100.0  AS revenue_eur,
           count(DISTINCT o.order_id)                      AS orders
      FROM orders o
      JOIN order_lines ol USING (order_id)
     WHERE o.status IN ('paid', 'shipped', 'delivered')
     GROUP BY 1
)
SELECT to_char(month, 'YYYY-MM')                                         AS month,
       orders,
       round(revenue_eur, 2)                                             AS revenue_eur,
       round(100.0 * (revenue_eur - lag(revenue_eur) OVER w)
             / nullif(lag(revenue_eur) OVER w, 0), 1)                    AS growth_pct,
       round(avg(revenue_eur) OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), 2)
                                                                         AS rolling_3m_eur
  FROM monthly
WINDOW w AS (ORDER BY month)
 ORDER BY month;

-- 2. Best-selling book per language (DISTINCT ON picks the top row of each group).
SELECT DISTINCT ON (b.language)
       b.language,
       b.title,
       sum(ol.quantity) AS copies_sold
  FROM books b
  JOIN order_lines ol ON ol.book_id = b.book_id
 GROUP BY b.language, b.book_id, b.title
 ORDER BY b.language, copies_sold DESC, b.title;

-- 3. Customers who bought from at least three different authors, with their favourite one.
WITH purchases AS (
    SELECT o.customer_id, ba.author_id, sum(ol.quantity) AS copies
      FROM orders o
      JOIN order_lines ol  ON ol.order_id = o.order_id
      JOIN book_authors ba ON ba.book_id = ol.book_id
     WHERE o.status <> 'cancelled'
     GROUP BY o.customer_id, ba.author_id
), ranked AS (
    SELECT p.*,
           count(*) OVER (PARTITION BY customer_id)                          AS n_authors,
           row_number() OVER (PARTITION BY customer_id ORDER BY copies DESC) AS rn
      FROM purchases p
)
SELECT c.display_name,
       c.city,
       r.n_authors,
       a.full_name AS favourite_author,
       r.copies    AS copies_of_favourite
  FROM ranked r
  JOIN customers c ON c.customer_id = r.customer_id
  JOIN authors a   ON a.author_id = r.author_id
 WHERE r.rn = 1
   AND r.n_authors >= 3
 ORDER BY r.n_authors DESC, c.display_name;

-- 4. Books that need restocking: fewer copies than the last 30 days of sales.
SELECT b.isbn13,
       b.title,
       b.stock,
       coalesce(s.sold_30d, 0) AS sold_30d,
       CASE
           WHEN b.stock = 0                         THEN 'épuisé — out of stock'
           WHEN b.stock < coalesce(s.sold_30d, 0)   THEN 'reorder now'
           WHEN b.stock < 2 * coalesce(s.sold_30d, 0) THEN 'reorder soon'
           ELSE 'ok'
       END AS advice
  FROM books b
  LEFT JOIN LATERAL (
        SELECT sum(ol.quantity) AS sold_30d
          FROM order_lines ol
          JOIN orders o ON o.order_id = ol.order_id
         WHERE ol.book_id = b.book_id
           AND o.placed_at >= now() - interval '30 days'
       ) s ON true
 WHERE b.stock < 2 * coalesce(s.sold_30d, 0) OR b.stock = 0
 ORDER BY b.stock, sold_30d DESC;

-- 5. Full-text search with ranking.
PREPARE search_books(text) AS
SELECT book_id, title, ts_rank(search_vector, query) AS rank
  FROM books, plainto_tsquery('simple', $1) AS query
 WHERE search_vector @@ query
 ORDER BY rank DESC, title
 LIMIT 20;

EXECUTE search_books('tokenization');

-- 6. Cancel stale pending orders and give the stock back, in one statement.
WITH cancelled AS (
    UPDATE orders
       SET status = 'cancelled'
     WHERE status = 'pending'
       AND placed_at < now() - interval '7 days'
    RETURNING order_id
), restock AS (
    SELECT ol.book_id, sum(ol.quantity) AS qty
      FROM order_lines ol
      JOIN cancelled USING (order_id)
     GROUP BY ol.book_id
)
UPDATE books b
   SET stock = b.stock + r.qty
  FROM restock r
 WHERE b.book_id = r.book_id
RETURNING b.book_id, b.title, b.stock;
