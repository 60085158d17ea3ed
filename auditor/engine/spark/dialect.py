"""DuckDB SQL → Spark SQL: the engine's one set of definitions, compiled for Spark.

Every statement the engine runs is written for DuckDB. Here sqlglot parses it
(``read="duckdb"``), our transforms fix what its Spark output gets wrong or
what Spark lacks, and the result is a ``Statement``: what the connection does
(run a query, create or replace a table from a query, append to one, drop one,
skip a DuckDB-only setting) with Spark SQL text and the names of the bound
parameters it uses.

Semantics kept equal to DuckDB's:

- ``$name`` and ``?`` stay bound parameters (``:name``, ``?``) whose values go
  to ``spark.sql(args=…)``, never into the text. A Python ``int`` is bound
  inside ``CAST(… AS BIGINT)``: Spark types a small one INT, and INT
  arithmetic wraps where DuckDB's BIGINT would not;
- decimal literals (``2.0``, ``1e3``) become DOUBLE: DuckDB divides DECIMALs
  to DOUBLE, Spark keeps DECIMAL at a coarser scale;
- ``ORDER BY x`` is NULLS LAST, DuckDB's default (sqlglot writes it out);
- ``try(f(…))`` is ``f(…)``: the Spark session runs with ANSI mode off, where
  a failing cast or date is NULL, which is what ``try`` gives on DuckDB;
- ``regexp_extract(s, p, ['a', 'b'])`` is a struct of one extract per group,
  ``regexp_replace`` without ``'g'`` replaces only the first match,
  ``list(x ORDER BY k)`` keeps its order, ``quantile_cont`` is Spark's exact
  ``percentile`` (the same linear interpolation), ``range(a, b) t(d)`` stays
  Spark's own ``range``;
- ``//`` is ``DIV``: both truncate integers toward zero.

A construct with no faithful Spark form raises ``DialectError`` rather than
run with other semantics. Nothing here imports pyspark, so it is tested
without a JVM.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.errors import ErrorLevel
from sqlglot.generators.spark import SparkGenerator

Action = Literal["query", "create", "create_empty", "insert", "replace", "drop", "describe", "skip"]


class DialectError(ValueError):
    """A statement uses a DuckDB construct that has no faithful Spark form (a programming error, not a data problem)."""


@dataclass(frozen=True)
class Statement:
    """What to do on Spark for one DuckDB statement.

    - ``query``: run ``sql``, return its rows;
    - ``create``: run ``sql`` and make its result table ``target`` (``replace``: it may exist;
      ``if_not_exists``: keep an existing one);
    - ``create_empty``: table ``target`` with no rows and the columns ``schema`` (a Spark DDL string);
    - ``insert``: append the rows of ``sql`` to ``target``, by position;
    - ``replace``: ``sql`` computes the whole new content of ``target`` (an UPDATE);
    - ``drop``: forget table ``target``; ``describe``: the columns of ``sql``; ``skip``: a DuckDB setting.
    """

    action: Action
    sql: str = ""
    target: str = ""
    params: tuple[str | int, ...] = ()  # names used, in order of first use; ints for positional ``?``
    schema: str = ""
    replace: bool = False
    if_not_exists: bool = False
    view: bool = False  # a view stays a lazy query (as DuckDB's), a table is materialized


# DuckDB statements with no meaning on Spark: session settings, the configuration lock, pragmas
_SKIPPED = (exp.Set, exp.Pragma)


def transpile(sql: str, int_params: frozenset[str] = frozenset()) -> Statement:
    """The Spark form of one DuckDB statement; ``int_params`` names the parameters bound to Python ints (``_p<n>`` for the n-th ``?``)."""
    return _transpile(sql, int_params)


@functools.lru_cache(maxsize=1024)
def _transpile(sql: str, int_params: frozenset[str]) -> Statement:
    trees = [t for t in sqlglot.parse(_name_positional(sql), read="duckdb") if t is not None]
    if len(trees) != 1:
        raise DialectError(f"expected one statement, got {len(trees)}")
    tree = trees[0]
    if isinstance(tree, _SKIPPED) or (isinstance(tree, exp.Command) and str(tree.this).upper() in {"SET", "RESET", "PRAGMA", "CHECKPOINT"}):
        return Statement("skip")
    names = _bind_params(tree, int_params)
    tree = _rewrite(tree)

    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").upper()
        if kind not in {"TABLE", "VIEW"}:
            raise DialectError(f"CREATE {kind} has no Spark form here")
        target = _table_name(tree.this)
        replace = bool(tree.args.get("replace"))
        if_not_exists = bool(tree.args.get("exists"))
        body = tree.expression
        if body is None:  # CREATE TABLE t (col TYPE, …)
            schema = ", ".join(f"{c.name} {c.args['kind'].sql('spark')}" for c in tree.this.expressions if isinstance(c, exp.ColumnDef))
            return Statement("create_empty", target=target, schema=schema, replace=replace, if_not_exists=if_not_exists)
        return Statement("create", _sql(body), target, names, replace=replace, if_not_exists=if_not_exists, view=kind == "VIEW")
    if isinstance(tree, exp.Insert):
        if tree.args.get("overwrite") or tree.args.get("conflict"):
            raise DialectError("INSERT OVERWRITE / ON CONFLICT has no Spark form here")
        if isinstance(tree.this, exp.Schema):
            raise DialectError("INSERT INTO t (columns) is not supported: insert every column, in order")
        body = tree.expression
        # sqlglot hangs the WITH of `INSERT INTO t WITH … SELECT` on the insert; put it back on the query
        with_ = tree.args.get("with_") or tree.args.get("with")
        if with_ is not None and isinstance(body, exp.Query):
            body = body.copy()
            body.set("with_" if "with_" in body.arg_types else "with", with_.copy())
        return Statement("insert", _sql(body), _table_name(tree.this), names)
    if isinstance(tree, exp.Update):
        return Statement("replace", _sql(_update_as_select(tree)), _table_name(tree.this), names)
    if isinstance(tree, exp.Drop):
        kind = str(tree.args.get("kind") or "").upper()
        if kind not in {"TABLE", "VIEW"}:
            raise DialectError(f"DROP {kind} has no Spark form here")
        tables = tree.args.get("tables") or [tree.this]
        if len(tables) != 1:
            raise DialectError("DROP one table at a time")
        return Statement("drop", target=_table_name(tables[0]), if_not_exists=bool(tree.args.get("exists")))
    if isinstance(tree, exp.Describe):
        return Statement("describe", _sql(tree.this), params=names)
    if isinstance(tree, exp.Query):
        return Statement("query", _sql(tree), params=names)
    raise DialectError(f"statement {type(tree).__name__} has no Spark form here")


class Spark3(Spark):
    """Spark as sqlglot writes it, but keeping CTEs nested where they are: Spark 3+ scopes a WITH inside a
    subquery, and hoisting them all to the top (sqlglot's Hive heritage) makes two CTEs of one name collide."""

    class Generator(SparkGenerator):
        EXPRESSIONS_WITHOUT_NESTED_CTES: set[type[exp.Expression]] = set()


def _sql(tree: exp.Expression) -> str:
    return tree.sql(dialect=Spark3, unsupported_level=ErrorLevel.RAISE)


def _table_name(node: exp.Expression) -> str:
    table = node.this if isinstance(node, exp.Schema) else node
    if not isinstance(table, exp.Table):
        raise DialectError("expected a table name")
    if table.args.get("db") or table.args.get("catalog"):
        raise DialectError("qualified table names are not supported")
    return table.name


_POSITIONAL = "_p"


def _name_positional(sql: str) -> str:
    """Each positional ``?`` as ``$_p<n>``, numbered in the order written: Spark's text may order clauses otherwise."""
    from sqlglot.dialects.duckdb import DuckDB

    marks = [t for t in DuckDB().tokenize(sql) if t.token_type == sqlglot.TokenType.PLACEHOLDER and t.text == "?"]
    for i, t in reversed(list(enumerate(marks))):
        sql = sql[: t.start] + f"${_POSITIONAL}{i}" + sql[t.end + 1 :]
    return sql


def _bind_params(tree: exp.Expression, int_params: frozenset[str]) -> tuple[str | int, ...]:
    """Name every parameter; wrap the ones bound to ints in a BIGINT cast (not where Spark wants an INT: LIMIT, OFFSET)."""
    names: list[str | int] = []
    for node in list(tree.find_all(exp.Placeholder, bfs=False)):
        if not node.this:
            raise DialectError("a parameter marker without a name")
        name = str(node.this)
        key: str | int = int(name[len(_POSITIONAL) :]) if name.startswith(_POSITIONAL) else name
        if key not in names:
            names.append(key)
        if name in int_params and not isinstance(node.parent, (exp.Limit, exp.Offset, exp.Fetch)):
            node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("BIGINT")))
    return tuple(names)


def _rewrite(tree: exp.Expression) -> exp.Expression:
    """Apply ``_fix`` children first, so a rewritten node is built from rewritten arguments."""
    tree = tree.copy()
    for node in reversed(list(tree.walk())):
        new = _fix(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def _fix(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Try):
        return node.this
    if isinstance(node, exp.Literal) and not node.is_string and re.search(r"[.eE]", node.this):
        return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
    if isinstance(node, exp.RegexpExtract) and isinstance(node.args.get("group"), exp.Array):
        return _extract_groups(node)
    if isinstance(node, exp.RegexpReplace):
        return _regexp_replace(node)
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order) and not isinstance(node.parent, exp.Filter):
        return _ordered_list(node)
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg) and isinstance(node.this.this, exp.Order):
        return _ordered_list(node.this, node.expression)
    if isinstance(node, exp.PercentileCont) and not isinstance(node.parent, exp.WithinGroup):
        return exp.Anonymous(this="percentile", expressions=[node.this.copy(), node.expression.copy()])
    if isinstance(node, exp.GenerateSeries) and isinstance(node.parent, exp.Table):
        return _range(node)
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in {"epoch_us", "epoch_ns"}:
        micros = exp.Anonymous(this="unix_micros", expressions=[a.copy() for a in node.expressions])
        return micros if str(node.this).lower() == "epoch_us" else exp.Mul(this=micros, expression=exp.Literal.number(1000))
    if (isinstance(node, exp.Anonymous) and str(node.this).lower() == "try_strptime") or isinstance(node, exp.StrToTime):
        args = node.expressions if isinstance(node, exp.Anonymous) else [node.this, node.args.get("format")]
        return _strptime(args)
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "strlen":
        return exp.Anonymous(this="octet_length", expressions=[a.copy() for a in node.expressions])  # DuckDB's strlen counts bytes
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in {"list_slice", "array_slice"}:
        return _slice(node.expressions)
    if isinstance(node, exp.RegexpFullMatch):
        return _full_match(node)
    if isinstance(node, (exp.JSONExtract, exp.JSONExtractScalar)) or (isinstance(node, exp.Anonymous) and str(node.this).lower().startswith("json")):
        raise DialectError("JSON functions are not supported on Spark: give Parquet input")
    return node


# strftime directives with a fixed-width Java (DateTimeFormatter) form
_JAVA_TIME = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss", "%z": "XXX"}


def _strptime(args: list[exp.Expression]) -> exp.Expression:
    """``try_strptime(s, '%Y-%m-%dT%H:%M:%S')`` → ``to_timestamp(s, "yyyy-MM-dd'T'HH:mm:ss")``.

    With ANSI off a value that does not parse (or is no real date) is NULL, as try_strptime gives; the
    session's time zone is UTC, so the instant's epoch is the naive time's, as DuckDB's TIMESTAMP.
    """
    if len(args) != 2 or not (isinstance(args[1], exp.Literal) and args[1].is_string):
        raise DialectError("strptime needs one literal format")
    out, literal = [], []
    for part in re.split(r"(%.)", args[1].this):
        if not part:
            continue
        if part.startswith("%"):
            if part not in _JAVA_TIME:
                raise DialectError(f"strptime directive {part} is not supported")
            if literal:
                out.append("'" + "".join(literal).replace("'", "''") + "'")
                literal = []
            out.append(_JAVA_TIME[part])
        elif re.fullmatch(r"[-:. ]+", part):
            out.append(part)
        else:
            literal.append(part)
    if literal:
        out.append("'" + "".join(literal).replace("'", "''") + "'")
    return exp.Anonymous(this="to_timestamp", expressions=[args[0].copy(), exp.Literal.string("".join(out))])


def _slice(args: list[exp.Expression]) -> exp.Expression:
    """``list_slice(l, b, e)`` (1-based, both ends included) → ``slice(l, b, e - b + 1)``, for a literal ``b`` ≥ 1.

    Past the end both give what there is; a length below 0 (e < b - 1) is 0, which Spark would refuse.
    """
    if len(args) != 3 or not (isinstance(args[1], exp.Literal) and not args[1].is_string and int(args[1].this) >= 1):
        raise DialectError("list_slice needs a literal start of 1 or more, and an end")
    begin = int(args[1].this)
    length = exp.Anonymous(
        this="greatest", expressions=[exp.Literal.number(0), exp.Sub(this=args[2].copy(), expression=exp.Literal.number(begin - 1))]
    )
    return exp.Anonymous(
        this="slice", expressions=[args[0].copy(), exp.Literal.number(begin), exp.Cast(this=length, to=exp.DataType.build("INT"))]
    )


def _full_match(node: exp.RegexpFullMatch) -> exp.Expression:
    """``regexp_full_match(s, p)`` → ``s RLIKE '^(?:p)\\z'`` (RLIKE finds; ``\\z`` is the very end, where Java's ``$`` also
    matches before a final newline)."""
    pattern = node.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise DialectError("regexp_full_match needs a literal pattern")
    return exp.RegexpLike(this=node.this.copy(), expression=exp.Literal.string(f"^(?:{pattern.this})\\z"))


def _extract_groups(node: exp.RegexpExtract) -> exp.Expression:
    """``regexp_extract(s, p, ['a', 'b'])`` → ``named_struct('a', regexp_extract(s, p, 1), 'b', …)``.

    DuckDB gives '' for a group that did not take part and for no match at all, as Spark does.
    """
    names = node.args["group"].expressions
    if not all(isinstance(n, exp.Literal) and n.is_string for n in names):
        raise DialectError("regexp_extract group names must be string literals")
    parts: list[exp.Expression] = []
    for i, name in enumerate(names, start=1):
        parts.append(exp.Literal.string(name.this))
        parts.append(exp.RegexpExtract(this=node.this.copy(), expression=node.expression.copy(), group=exp.Literal.number(i)))
    return exp.Anonymous(this="named_struct", expressions=parts)


def _regexp_replace(node: exp.RegexpReplace) -> exp.Expression:
    """DuckDB replaces the first match unless the options hold 'g'; Spark replaces all. Replacements use \\1, Spark $1."""
    mods = node.args.get("modifiers")
    if mods is not None and not (isinstance(mods, exp.Literal) and mods.is_string and set(mods.this) <= {"g"}):
        raise DialectError("regexp_replace options other than 'g' are not supported")
    repl = node.args.get("replacement")
    if not (isinstance(repl, exp.Literal) and repl.is_string):
        raise DialectError("regexp_replace needs a literal replacement")
    java_repl = re.sub(r"\\(\d)|\\(.)|(\$)", lambda m: f"${m.group(1)}" if m.group(1) else "\\" + (m.group(2) or m.group(3)), repl.this)
    pattern = node.expression
    everywhere = mods is not None and "g" in mods.this
    if not everywhere:
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise DialectError("a first-match regexp_replace needs a literal pattern")
        if re.search(r"\$\d", java_repl) or "(" in pattern.this.replace("(?:", ""):
            raise DialectError("a first-match regexp_replace with groups is not supported")
        # anchor at the start and keep what comes before the first match: only that match is replaced
        pattern = exp.Literal.string(f"^(?s)(.*?)(?:{pattern.this})")
        java_repl = "$1" + java_repl
    return exp.Anonymous(this="regexp_replace", expressions=[node.this.copy(), pattern.copy(), exp.Literal.string(java_repl)])


def _ordered_list(node: exp.ArrayAgg, where: exp.Expression | None = None) -> exp.Expression:
    """``list(x ORDER BY k1, k2)`` → the values of ``array_sort(collect_list(struct(k1, k2, x)))``.

    Sorting whole structs orders by the keys first; ascending keys only (nulls sort
    first inside array_sort, so a NULL key is refused rather than misplaced).
    """
    order: exp.Order = node.this
    value = order.this
    keys = order.expressions
    fields: list[exp.Expression] = []
    for i, k in enumerate(keys):
        if k.args.get("desc"):
            raise DialectError("list(… ORDER BY … DESC) is not supported")
        fields += [exp.Literal.string(f"k{i}"), k.this.copy()]
    fields += [exp.Literal.string("v"), value.copy()]
    collected: exp.Expression = exp.Anonymous(this="collect_list", expressions=[exp.Anonymous(this="named_struct", expressions=fields)])
    if where is not None:  # FILTER (WHERE …) belongs to the aggregate, inside the sort
        collected = exp.Filter(this=collected, expression=where.copy())
    lam = exp.Lambda(this=exp.Dot(this=exp.column("e"), expression=exp.to_identifier("v")), expressions=[exp.to_identifier("e")])
    return exp.Anonymous(this="transform", expressions=[exp.Anonymous(this="array_sort", expressions=[collected]), lam])


def _range(node: exp.GenerateSeries) -> exp.Expression:
    """DuckDB ``range(a, b)`` (end exclusive) → Spark's ``range(a, b)``, the same rows; ``generate_series`` includes its end."""
    end = node.args["end"].copy()
    if not node.args.get("is_end_exclusive"):
        end = exp.Add(this=end, expression=exp.Literal.number(1))
    if node.args.get("step") is not None:
        return exp.Anonymous(this="range", expressions=[node.args["start"].copy(), end, node.args["step"].copy()])
    return exp.Anonymous(this="range", expressions=[node.args["start"].copy(), end])


def _update_as_select(tree: exp.Update) -> exp.Select:
    """``UPDATE t SET c = e FROM s AS a WHERE p`` → the whole new ``t``: every column, ``e`` where ``p`` holds.

    The source is LEFT JOINed on ``p`` with a match flag, so rows without a match keep their values.
    A target row must match at most one source row (DuckDB picks one at random otherwise).
    """
    target = tree.this
    name = target.alias_or_name
    sets = {}
    for eq in tree.expressions:
        col = eq.this
        sets[col.name] = eq.expression
    where = tree.args.get("where")
    cond = where.this if where is not None else exp.true()
    source = tree.args.get("from_") or tree.args.get("from")
    if source is None:
        matched: exp.Expression = cond
        joined = exp.select("*").from_(target.copy())
    else:
        src = source.this
        alias = src.alias_or_name
        if not alias:
            raise DialectError("UPDATE … FROM needs an aliased source")
        flagged = exp.Subquery(
            this=exp.select(exp.Star(), exp.alias_(exp.true(), "__matched")).from_(src.copy()),
            alias=exp.TableAlias(this=exp.to_identifier(alias)),
        )
        joined = exp.select("*").from_(target.copy()).join(flagged, on=cond.copy(), join_type="left")
        matched = exp.func("coalesce", exp.column("__matched", table=alias), exp.false())
    cases = [
        exp.alias_(exp.If(this=matched.copy(), true=e.copy(), false=exp.column(c, table=name)), UPDATE_PREFIX + c)
        for c, e in sets.items()
    ]
    joined.set("expressions", [exp.Column(this=exp.Star(), table=exp.to_identifier(name)), *cases])
    return joined


# An UPDATE's SELECT gives the target's columns, then `__set_<col>` for each column set; the connection
# keeps the target's columns, taking `__set_<col>` in place of `<col>`.
UPDATE_PREFIX = "__set_"
