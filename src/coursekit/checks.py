"""Checks across tables: every cited id exists (source ids, related glossary terms).

Examples
--------
>>> check_references()
[]
"""

from __future__ import annotations

from .data import load, package


def check_references() -> list[str]:
    """Return a list of problems (empty when every cross-table reference resolves)."""
    problems = []
    tables: dict[str, set] = {}
    for res in package()["resources"]:
        for f in res["schema"]["fields"]:
            target = f.get("x-references")
            fk = [k for k in res["schema"].get("foreignKeys", []) if k["fields"] == f["name"]]
            if fk:
                target = f'{fk[0]["reference"]["resource"]}.{fk[0]["reference"]["fields"]}'
            if not target:
                continue
            table_name, column = target.split(".")
            if table_name not in tables:
                tables[table_name] = set(load(table_name)[column].astype(str))
            values = load(res["name"])
            key = res["schema"]["primaryKey"]
            key = key if isinstance(key, str) else key[0]
            for row_key, cell in zip(values[key], values[f["name"]]):
                if cell is None or cell != cell:
                    continue
                for ref in str(cell).split(";"):
                    if ref not in tables[table_name]:
                        problems.append(f"{res['name']} {row_key}: {f['name']} cites {ref!r}, not in {target}")
    return problems


# Hosts whose pages are copies, relays or wikis rather than the original publication. A source on
# one of these may be cited *beside* an original, never as the only support for a claim (see
# datasets/README.md, "Mirrors, aggregators and wikis", and tests/test_sources.py). An entry is a
# host (it also covers its subdomains) or a host followed by a path prefix.
MIRROR_HOSTS: dict[str, str] = {
    # wikis and copies of wikis
    "wikipedia.org": "wiki", "wikisource.org": "wiki (copies of texts)", "wikiwand.com": "wiki mirror",
    "wikimili.com": "wiki mirror", "wikisum.wiki": "wiki mirror", "jmedia.wiki": "wiki mirror",
    "ja-wiki.pages.dev": "wiki mirror", "a.osmarks.net": "wiki mirror", "askwikinow.com": "wiki mirror",
    "wiki.av1.space": "wiki mirror", "ssd.cswiki.jp": "wiki", "enpedia.rxy.jp": "wiki",
    "dweb.link": "wiki mirror (IPFS)", "iiab.me": "wiki mirror (Kiwix)", "kids.kiddle.co": "wiki mirror",
    "wiki.kidzsearch.com": "wiki mirror", "know.cf": "wiki mirror", "namu.moe": "wiki mirror",
    "rigvedawiki.net": "wiki", "wiki.onul.works": "wiki mirror", "unamwiki.org": "wiki mirror",
    "wikiplanet.click": "wiki mirror", "worddisk.com": "wiki mirror", "dic.nicovideo.jp": "wiki",
    "pedia.3rd-in.co.jp": "wiki mirror", "wdic.org": "wiki", "mymemo.xyz": "wiki mirror",
    "weblio.jp": "dictionary portal (wiki copies)", "trans.hiragana.jp": "proxy copy of a wiki",
    "seisyun.net": "forum mirror", "2nn.jp": "forum news aggregator", "rssing.com": "feed mirror",
    # aggregators and relays of other publishers' news
    "scoop.co.nz": "news aggregator", "spacewar.com": "wire aggregator", "spacedaily.com": "wire aggregator",
    "wn.com": "news aggregator", "nkaggregator.com": "news aggregator", "kcnawatch.org": "state-media relay",
    "newser.com": "news aggregator", "pressreader.com": "newspaper reseller",
    "devdiscourse.com": "wire aggregator", "emiratesnewsreleases.com": "wire relay",
    "miragenews.com": "press-release relay", "enewspf.com": "press-release relay",
    "naijadetails.com": "content farm", "balkansvoice.com": "wire aggregator",
    "worldhistoryproject.org": "aggregator", "onthisday.com": "aggregator", "honmall.net": "content farm",
    "encyclopedia.com": "reference aggregator", "infoplease.com": "reference aggregator",
    # copies of official documents and theses
    "globalsecurity.org": "copies of official texts", "usinfo.org": "copies of US government texts",
    "acronym.org.uk/old/archive/docs": "copies of official texts", "un-project.org": "copies of UN texts",
    "marxists.org": "transcriptions of periodicals", "123dok.com": "document-sharing copy",
    "docslib.org": "document-sharing copy", "studyres.com": "document-sharing copy",
    "123deta.com": "document copy", "nippon-senmon.tripod.com": "personal copy of news",
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
    return [sid for sid, url in zip(sources["id"], sources["url"]) if mirror_host(url)]
