"""NCMEC hash-sharing XML written as NCMEC's API v2 writes it (namespace, feedback and all)."""

from __future__ import annotations

from xml.sax.saxutils import escape

NS = "https://hashsharing.ncmec.org/hashsharing/v2"


def ncmec_image(
    entry_id: str,
    *,
    tag: str = "image",
    classification: str | None = "A1",
    timestamp: str = "2026-10-24T15:00:00Z",
    member: tuple[str, str] = ("42", "Example Member"),
    other_prints: dict[str, str] | None = None,  # names that are not Python's: tmk-pdqf
    **fingerprints: str,
) -> str:
    named = {**fingerprints, **(other_prints or {})}
    prints = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in named.items())
    graded = f"<classification>{classification}</classification>" if classification else ""
    return (
        f'<{tag}><member id="{member[0]}">{escape(member[1])}</member>'
        f"<timestamp>{timestamp}</timestamp><id>{escape(entry_id)}</id>{graded}"
        f"<fingerprints>{prints}</fingerprints>"
        '<feedback lastUpdateTimestamp="2026-10-25T12:48:14Z"><affirmativeFeedback type="Md5">'
        '<members timestamp="2026-10-25T12:48:14Z"><member id="42">Example Member</member>'
        "</members></affirmativeFeedback></feedback>"
        f"</{tag}>"
    )


def ncmec_entries(
    images: list[str],
    videos: list[str] | None = None,
    deleted: list[str] | None = None,
    deleted_at: str = "2026-10-24T15:10:00Z",
) -> str:
    withdrawn = "".join(
        f'<deletedImage><member id="43">Other</member><id>{i}</id>'
        f"<timestamp>{deleted_at}</timestamp></deletedImage>"
        for i in deleted or []
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<queryResult xmlns="{NS}">\n'
        f'<images count="{len(images)}" maxTimestamp="2026-10-24T15:10:00Z">'
        f"{''.join(images)}{withdrawn}</images>\n"
        f'<videos count="{len(videos or [])}" maxTimestamp="2026-10-24T15:20:00Z">'
        f"{''.join(videos or [])}</videos>\n"
        "<paging><next>/v2/entries?from=2026-10-20T00%3A00%3A00.000Z&amp;start=2001</next>"
        "</paging>\n</queryResult>\n"
    )
