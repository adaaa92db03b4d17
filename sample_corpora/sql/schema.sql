-- schema.sql — a small bookshop database (PostgreSQL 14+).
--
-- Conventions: snake_case names, surrogate bigint keys, money in integer cents,
-- timestamps in UTC (timestamptz). Run inside a transaction so a failure leaves nothing behind.

BEGIN;

CREATE SCHEMA IF NOT EXISTS shop;
SET search_path TO shop, public;

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled');

CREATE TABLE authors (
    author_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name     text        NOT NULL,
    sort_name     text        NOT NULL,          -- "Dostoïevski, Fiodor"
    born_on       date,
    country_code  char(2),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT authors_country_upper CHECK (country_code = upper(country_code))
);

CREATE TABLE books (
    book_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    isbn13        char(13)    NOT NULL UNIQUE,
    title         text        NOT NULL,
    language      text        NOT NULL DEFAULT 'en',
    published_on  date,
    price_cents   integer     NOT NULL CHECK (price_cents >= 0),
    stock         integer     NOT NULL DEFAULT 0 CHECK (stock >= 0),
    search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED
);

CREATE TABLE book_authors (
    book_id    bigint NOT NULL REFERENCES books (book_id) ON DELETE CASCADE,
    author_id  bigint NOT NULL REFERENCES authors (author_id) ON DELETE RESTRICT,
    position   smallint NOT NULL DEFAULT 1,
    PRIMARY KEY (book_id, author_id)
);

CREATE TABLE customers (
    customer_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        text NOT NULL,
    display_name text NOT NULL,
    city         text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_email_lower_idx ON customers (lower(email));

CREATE TABLE orders (
    order_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customers (customer_id),
    status       order_status NOT NULL DEFAULT 'pending',
    placed_at    timestamptz NOT NULL DEFAULT now(),
    shipped_at   timestamptz,
    CONSTRAINT shipped_after_placed CHECK (shipped_at IS NULL OR shipped_at >= placed_at)
);

CREATE TABLE order_lines (
    order_id          bigint  NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    line_no           smallint NOT NULL,
    book_id           bigint  NOT NULL REFERENCES books (book_id),
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_price_cents  integer NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE INDEX orders_customer_placed_idx ON orders (customer_id, placed_at DESC);
CREATE INDEX order_lines_book_idx ON order_lines (book_id);
CREATE INDEX books_search_idx ON books USING gin (search_vector);

-- Keep stock consistent: taking an order line decrements stock, or fails loudly.
CREATE OR REPLACE FUNCTION take_stock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE books
       SET stock = stock - NEW.quantity
     WHERE book_id = NEW.book_id
       AND stock >= NEW.quantity;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not enough stock for book % (wanted %)', NEW.book_id, NEW.quantity
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER order_lines_take_stock
    BEFORE INSERT ON order_lines
    FOR EACH ROW EXECUTE FUNCTION take_stock();

-- Seed data (a few rows to make the reports interesting).
INSERT INTO authors (full_name, sort_name, born_on, country_code) VALUES
    ('Marguerite Yourcenar', 'Yourcenar, Marguerite', '1903-06-08', 'FR'),
    ('Lu Xun 鲁迅',           'Lu, Xun',               '1881-09-25', 'CN'),
    ('Günter Grass',          'Grass, Günter',         '1927-10-16', 'DE'),
    ('Ada Q. Example',        'Example, Ada Q.',       NULL,         NULL);

INSERT INTO books (isbn13, title, language, published_on, price_cents, stock) VALUES
    ('9780000001001', 'Mémoires d''Hadrien',      'fr', '1951-01-01', 1290, 12),
    ('9780000001002', '呐喊 (Call to Arms)',        'zh', '1923-08-01',  990,  5),
    ('9780000001003', 'Die Blechtrommel',         'de', '1959-01-01', 1450,  3),
    ('9780000001004', 'Practical Tokenization',   'en', '2023-11-15', 3999, 40);

COMMIT;
