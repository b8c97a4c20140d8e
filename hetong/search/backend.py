"""Full-text search over names, numbers and titles, in Chinese and English.

Chinese has no spaces, and a name must match on any part of it (物流 in 华运物流有限公司), which a word
segmenter cannot promise: it may cut 华运物 | 流. So CJK text is indexed as overlapping character bigrams
(as Lucene's CJK analyzer does) and a query is the phrase of its bigrams, which matches exactly the rows
that contain the query as a substring. Latin letters and digits are indexed as lower-case words and match
by prefix. The token string lives in a `search_tokens` column; SQLite indexes it with FTS5 (an
external-content table kept in sync by triggers), PostgreSQL with a GIN index on its `simple` tsvector.
"""

import re

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_RUNS = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token, is_latin) in text order."""
    out = []
    for run in _RUNS.findall((text or "").lower()):
        if _IS_CJK.match(run):
            if len(run) == 1:
                out.append((run, False))
            else:
                out.extend((run[i : i + 2], False) for i in range(len(run) - 1))
        else:
            out.append((run, True))
    return out


def index_text(*parts: str) -> str:
    """The token string to store for a row; a bigram never spans two parts."""
    return " ".join(" ".join(tok for tok, _latin in _tokens(part)) for part in parts if part)


def _sqlite_query(q: str) -> str:
    phrases = []
    for term in q.split():
        toks = _tokens(term)
        if not toks:
            continue
        body = " ".join(tok for tok, _latin in toks)
        last_latin_or_single = toks[-1][1] or len(toks) == 1
        phrases.append(f'"{body}"' + ("*" if last_latin_or_single else ""))
    return " AND ".join(phrases)


def _pg_query(q: str) -> str:
    phrases = []
    for term in q.split():
        toks = _tokens(term)
        if not toks:
            continue
        words = [f"'{tok}'" for tok, _latin in toks]
        if toks[-1][1] or len(toks) == 1:
            words[-1] += ":*"
        phrases.append("(" + " <-> ".join(words) + ")")
    return " & ".join(phrases)


def fts_table(model) -> str:
    return f"{model._meta.db_table}_fts"


class SearchableQuerySet(QuerySet):
    def search(self, q: str | None):
        q = (q or "").strip()[:200]
        if not q:
            return self
        table = self.model._meta.db_table
        if connection.vendor == "postgresql":
            query = _pg_query(q)
            if not query:
                return self.none()
            return self.filter(
                RawSQL(
                    f"to_tsvector('simple', \"{table}\".\"search_tokens\") @@ to_tsquery('simple', %s)",
                    [query],
                    output_field=BooleanField(),
                )
            )
        query = _sqlite_query(q)
        if not query:
            return self.none()
        return self.filter(id__in=RawSQL(f"SELECT rowid FROM {fts_table(self.model)} WHERE {fts_table(self.model)} MATCH %s", [query]))


INDEXED_TABLES = ("contracts_contract", "customers_customer")


def _sqlite_objects(table: str) -> dict[str, str]:
    fts = f"{table}_fts"
    return {
        fts: f"CREATE VIRTUAL TABLE {fts} USING fts5(search_tokens, content='{table}', content_rowid='id', "
        "tokenize='unicode61')",
        f"{fts}_ai": f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
        f"{fts}_ad": f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); END",
        f"{fts}_au": f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_tokens ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); "
        f"INSERT INTO {fts}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    }


def ensure_index(connection, table: str) -> bool:
    """Create whatever part of `table`'s full-text index is missing; returns True if anything was.

    Idempotent, and run after every migrate: on SQLite, a migration that rebuilds the table (any AlterField)
    silently drops the triggers that keep the index in sync, so they are put back and the index rebuilt.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{table}_fts%"])
            present = {row[0] for row in cursor.fetchall()}
            missing = {name: sql for name, sql in _sqlite_objects(table).items() if name not in present}
            for sql in missing.values():
                cursor.execute(sql)
            if missing:
                cursor.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
            return bool(missing)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [f"{table}_search_gin"])
            if cursor.fetchone():
                return False
            cursor.execute(f"CREATE INDEX {table}_search_gin ON {table} USING gin (to_tsvector('simple', search_tokens))")
            return True
    return False


def drop_index(connection, table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in (f"{table}_fts_ai", f"{table}_fts_ad", f"{table}_fts_au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {table}_fts")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")


def install_index(table: str):
    """A migration operation that creates the full-text index for `table` on this database's vendor."""
    from django.db import migrations

    def forward(apps, schema_editor):
        ensure_index(schema_editor.connection, table)

    def backward(apps, schema_editor):
        drop_index(schema_editor.connection, table)

    return migrations.RunPython(forward, backward)
