"""Checks across tables: every cited id exists (source ids, related glossary terms).

:func:`check_references` also checks a learner's own sources (the capstone lets students add
sources in the register's format) and the ids a text cites against the register plus those sources.

Examples
--------
>>> check_references()
[]
>>> import pandas as pd
>>> mine = pd.DataFrame([{"id": "Sahashi 2011", "citation": "An essay", "publisher": "EAF",
...                       "date": "9 Feb 2011", "url": "https://example.org/essay", "licence": "cited"}])
>>> for problem in check_references(mine, cited=["sahashi-2011-eaf", "no-such-id"]):
...     print(problem)
your source 'Sahashi 2011': id 'Sahashi 2011' is not a valid id: use lower-case letters, digits
and hyphens, e.g. 'sahashi-2011-eaf'
your source 'Sahashi 2011': date '9 Feb 2011' should be YYYY, YYYY-MM or YYYY-MM-DD, or empty
cited 'no-such-id': not in the source register or your own sources (check the spelling, or add
the source)
"""

from __future__ import annotations

import re

import pandas as pd

from . import _messages as msg
from .data import load, package

__all__ = ["check_references", "MIRROR_HOSTS", "mirror_host", "mirror_sources"]


def check_references(own_sources=None, cited=None) -> list[str]:
    """Return a list of problems (empty when every reference resolves).

    Without arguments: every cross-table reference in the course's datasets resolves.
    With ``own_sources`` (a table, or a list of dicts, in the register's format: id, citation,
    publisher, date, url, licence): each row follows the register's rules, and adds a source the
    register does not already have. With ``cited`` (a list of ids, or a text citing ``[@id]``):
    each id is in the register or in ``own_sources``. Nothing is changed on disk.
    """
    if own_sources is None and cited is None:
        return _check_datasets()
    problems = []
    register = load("sources")
    own = _own_table(own_sources)
    problems += _check_own(own, register)
    if cited is not None:
        if isinstance(cited, str):
            from .references import cited_ids

            cited = cited_ids(cited)
        known = set(register["id"].astype(str)) | set(own["id"].astype(str))
        for sid in cited:
            if str(sid) not in known:
                problems.append(msg.OWN_NOT_CITABLE.format(sid=sid))
    return problems


def _own_table(own_sources) -> pd.DataFrame:
    fields = [f["name"] for f in _sources_schema()["fields"]]
    if own_sources is None:
        return pd.DataFrame(columns=fields)
    if isinstance(own_sources, (list, tuple)):
        own_sources = pd.DataFrame(list(own_sources), columns=None if own_sources else fields)
    if not isinstance(own_sources, pd.DataFrame):
        raise TypeError(msg.OWN_NOT_A_TABLE.format(kind=type(own_sources).__name__))
    missing = [f for f in fields if f not in own_sources.columns]
    if missing:
        raise ValueError(msg.OWN_MISSING_COLUMNS.format(missing=missing, fields=fields))
    return own_sources


def _sources_schema() -> dict:
    return next(r["schema"] for r in package()["resources"] if r["name"] == "sources")


def _check_own(own: pd.DataFrame, register: pd.DataFrame) -> list[str]:
    problems = []
    ids = set(register["id"].astype(str))
    urls = {_address(u): str(i) for i, u in zip(register["id"], register["url"], strict=True)}
    seen: set[str] = set()
    for _, row in own.iterrows():
        values = {k: ("" if v is None or v != v else str(v).strip()) for k, v in row.items()}
        label = values.get("id") or "(no id)"
        for field in _sources_schema()["fields"]:
            name, rules = field["name"], field.get("constraints", {})
            value = values.get(name, "")
            if not value:
                if rules.get("required"):
                    problems.append(msg.OWN_EMPTY.format(label=label, field=name))
                continue
            pattern = rules.get("pattern")
            if pattern and not re.fullmatch(pattern, value):
                problems.append(
                    msg.OWN_PATTERN[name].format(label=label, value=value)
                    if name in msg.OWN_PATTERN
                    else msg.OWN_PATTERN_OTHER.format(label=label, field=name, pattern=pattern)
                )
        sid = values.get("id", "")
        if sid in ids:
            problems.append(msg.OWN_IN_REGISTER.format(label=label))
        elif sid and sid in seen:
            problems.append(msg.OWN_DUPLICATE.format(label=label))
        seen.add(sid)
        same = urls.get(_address(values.get("url", ""))) if values.get("url") else None
        if same and same != sid:
            problems.append(msg.OWN_SAME_URL.format(label=label, sid=same))
    return problems


def _address(url) -> str:
    """A URL without scheme, 'www.' and trailing slash, so two spellings of one address match."""
    text = re.sub(r"^[a-z]+://", "", str(url).strip().lower())
    return re.sub(r"^www\.", "", text).rstrip("/")


def _check_datasets() -> list[str]:
    problems = []
    tables: dict[str, set] = {}
    for res in package()["resources"]:
        for f in res["schema"]["fields"]:
            target = f.get("x-references")
            fk = [k for k in res["schema"].get("foreignKeys", []) if k["fields"] == f["name"]]
            if fk:
                target = f"{fk[0]['reference']['resource']}.{fk[0]['reference']['fields']}"
            if not target:
                continue
            table_name, column = target.split(".")
            if table_name not in tables:
                tables[table_name] = set(load(table_name)[column].astype(str))
            values = load(res["name"])
            key = res["schema"]["primaryKey"]
            key = key if isinstance(key, str) else key[0]
            for row_key, cell in zip(values[key], values[f["name"]], strict=True):
                if cell is None or cell != cell:
                    continue
                for ref in str(cell).split(";"):
                    if ref not in tables[table_name]:
                        problems.append(
                            f"{res['name']} {row_key}: {f['name']} cites {ref!r}, not in {target}"
                        )
    return problems


# Hosts whose pages are copies, relays or wikis rather than the original publication. A source on
# one of these may be cited *beside* an original, never as the only support for a claim (see
# datasets/README.md, "Mirrors, aggregators and wikis", and tests/test_sources.py). An entry is a
# host (it also covers its subdomains) or a host followed by a path prefix.
MIRROR_HOSTS: dict[str, str] = {
    # wikis and copies of wikis
    "wikipedia.org": "wiki",
    "wikisource.org": "wiki (copies of texts)",
    "wikiwand.com": "wiki mirror",
    "wikimili.com": "wiki mirror",
    "wikisum.wiki": "wiki mirror",
    "jmedia.wiki": "wiki mirror",
    "ja-wiki.pages.dev": "wiki mirror",
    "a.osmarks.net": "wiki mirror",
    "askwikinow.com": "wiki mirror",
    "wiki.av1.space": "wiki mirror",
    "ssd.cswiki.jp": "wiki",
    "enpedia.rxy.jp": "wiki",
    "dweb.link": "wiki mirror (IPFS)",
    "iiab.me": "wiki mirror (Kiwix)",
    "kids.kiddle.co": "wiki mirror",
    "wiki.kidzsearch.com": "wiki mirror",
    "know.cf": "wiki mirror",
    "namu.moe": "wiki mirror",
    "rigvedawiki.net": "wiki",
    "wiki.onul.works": "wiki mirror",
    "unamwiki.org": "wiki mirror",
    "wikiplanet.click": "wiki mirror",
    "worddisk.com": "wiki mirror",
    "dic.nicovideo.jp": "wiki",
    "pedia.3rd-in.co.jp": "wiki mirror",
    "wdic.org": "wiki",
    "mymemo.xyz": "wiki mirror",
    "weblio.jp": "dictionary portal (wiki copies)",
    "trans.hiragana.jp": "proxy copy of a wiki",
    "seisyun.net": "forum mirror",
    "2nn.jp": "forum news aggregator",
    "rssing.com": "feed mirror",
    # aggregators and relays of other publishers' news
    "scoop.co.nz": "news aggregator",
    "spacewar.com": "wire aggregator",
    "spacedaily.com": "wire aggregator",
    "wn.com": "news aggregator",
    "nkaggregator.com": "news aggregator",
    "kcnawatch.org": "state-media relay",
    "newser.com": "news aggregator",
    "pressreader.com": "newspaper reseller",
    "devdiscourse.com": "wire aggregator",
    "emiratesnewsreleases.com": "wire relay",
    "miragenews.com": "press-release relay",
    "enewspf.com": "press-release relay",
    "naijadetails.com": "content farm",
    "balkansvoice.com": "wire aggregator",
    "worldhistoryproject.org": "aggregator",
    "onthisday.com": "aggregator",
    "honmall.net": "content farm",
    "encyclopedia.com": "reference aggregator",
    "infoplease.com": "reference aggregator",
    # copies of official documents and theses
    "globalsecurity.org": "copies of official texts",
    "usinfo.org": "copies of US government texts",
    "acronym.org.uk/old/archive/docs": "copies of official texts",
    "un-project.org": "copies of UN texts",
    "marxists.org": "transcriptions of periodicals",
    "123dok.com": "document-sharing copy",
    "docslib.org": "document-sharing copy",
    "studyres.com": "document-sharing copy",
    "123deta.com": "document copy",
    "nippon-senmon.tripod.com": "personal copy of news",
}


def mirror_host(url: str) -> str | None:
    """The deny-list entry that a URL falls under, or None for an original publisher.

    Examples
    --------
    >>> mirror_host("https://en.wikipedia.org/wiki/ROKS_Cheonan_sinking")
    'wikipedia.org'
    >>> mirror_host("http://acronym.org.uk/old/archive/docs/0511/doc05.htm")
    'acronym.org.uk/old/archive/docs'
    >>> mirror_host("http://acronym.org.uk/old/archive/dd/dd88/88news01.htm") is None
    True
    >>> mirror_host("https://press.un.org/en/2010/sc9975.doc.htm") is None
    True
    """
    from urllib.parse import urlparse

    parts = urlparse(str(url).strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    where = host + parts.path
    for entry in MIRROR_HOSTS:
        name, _, path = entry.partition("/")
        if (host == name or host.endswith("." + name)) and (not path or where.startswith(entry)):
            return entry
    return None


def mirror_sources() -> list[str]:
    """Ids of the registered sources whose URL is on the deny-list (:data:`MIRROR_HOSTS`)."""
    sources = load("sources")
    return [sid for sid, url in zip(sources["id"], sources["url"], strict=True) if mirror_host(url)]
