-- Knowledge base (product.md §5): categories under one access rule each,
-- holding articles and FAQ entries. The body is Markdown; html is its
-- sanitized rendering, made when the article is saved.
CREATE TABLE kb_categories (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    sequence   INTEGER NOT NULL DEFAULT 0,
    icon       TEXT    NOT NULL DEFAULT '',
    access     TEXT    NOT NULL CHECK (access IN ('internal', 'customer', 'public')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX kb_categories_title_uq ON kb_categories (account_id, lower(title));

-- The customer groups that may read a Customer category.
CREATE TABLE kb_category_groups (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES kb_categories (id) ON DELETE CASCADE,
    group_id    INTEGER NOT NULL REFERENCES customer_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (category_id, group_id)
);
CREATE INDEX kb_category_groups_group_fk ON kb_category_groups (group_id);

CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES kb_categories (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('article', 'faq')),
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    html        TEXT    NOT NULL,
    published   BOOLEAN NOT NULL,
    author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    views       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX kb_articles_category ON kb_articles (account_id, category_id, id);
CREATE INDEX kb_articles_title ON kb_articles (account_id, lower(title), id);
CREATE INDEX kb_articles_category_fk ON kb_articles (category_id);
CREATE INDEX kb_articles_author_fk ON kb_articles (author_id);

-- Full-text index of the articles: rowid is the article id.
CREATE VIRTUAL TABLE kb_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');
