"""Finding photos by their details, across the albums a person owns and those shared
with them (never anybody else's).

Every term of a query must match. A term that reads as a date ("1935", "1930s",
"about 1935", "June 1935", "early 1940s": albums/dates.py) matches photos whose
date range overlaps it; any other term matches the story, the place, a person's
name or the album's title, whatever the case. "Quoted words" are one term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from albums.dates import DateNotUnderstood, FuzzyDate, parse_date
from albums.models import Photo, caption_line
from albums.permissions import viewable_albums

MAX_QUERY = 200
# A date may be written in up to four words ("between 1935 and 1940").
MAX_DATE_WORDS = 4
_WORDS = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Term:
    text: str
    date: FuzzyDate | None = None


def parse_query(query: str) -> list[Term]:
    """The terms of a query: dates where words read as one (longest first), else words."""
    pieces: list[tuple[str, bool]] = []  # (text, quoted)
    for quoted, word in _WORDS.findall(query[:MAX_QUERY]):
        if quoted.strip():
            pieces.append((" ".join(quoted.split()), True))
        elif word:
            pieces.append((word, False))
    terms: list[Term] = []
    i = 0
    while i < len(pieces):
        text, quoted = pieces[i]
        if quoted:
            terms.append(Term(text))
            i += 1
            continue
        for length in range(min(MAX_DATE_WORDS, len(pieces) - i), 0, -1):
            span = pieces[i : i + length]
            if any(q for _, q in span):
                continue
            try:
                date = parse_date(" ".join(t for t, _ in span))
            except DateNotUnderstood:
                continue
            terms.append(Term(date.text, date))
            i += length
            break
        else:
            terms.append(Term(text.strip(",.;")))
            i += 1
    return [term for term in terms if term.text]


def search_photos(user, terms: list[Term]):
    """Photos of the albums `user` may see that match every term, in date order."""
    visible = viewable_albums(user).values("pk")
    photos = Photo.objects.filter(album__in=visible)
    for term in terms:
        if term.date is not None:
            photos = photos.filter(
                date_from__lte=term.date.date_to, date_to__gte=term.date.date_from
            )
            continue
        named = Photo.people.through.objects.filter(
            photo_id=OuterRef("pk"), person__name__icontains=term.text
        )
        photos = photos.filter(
            Q(caption__icontains=term.text)
            | Q(place__icontains=term.text)
            | Q(album__title__icontains=term.text)
            | Exists(named)
        )
    return photos.order_by(
        F("date_from").asc(nulls_last=True), "date_to", "album__title", "album_id", "position", "pk"
    )


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    terms = parse_query(query)
    page = None
    if terms:
        photos = (
            search_photos(request.user, terms)
            .with_restoration()
            .select_related("album")
            .prefetch_related("people")
        )
        page = Paginator(photos, settings.PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
    if "application/json" in request.headers.get("Accept", ""):
        entries = [_entry(photo) for photo in page.object_list] if page is not None else []
        answer = {"photos": entries, "query": query}
        if page is not None:
            answer.update(page=page.number, pages=page.paginator.num_pages)
        return JsonResponse(answer)
    context = {
        "query": query,
        "search_query": query,
        "pager_query": urlencode({"q": query}),
        "terms": terms,
        "page": page,
        "photos": [
            {"photo": photo, "thumbnail_url": _thumbnail_url(photo)}
            for photo in (page.object_list if page is not None else [])
        ],
    }
    return render(request, "albums/search.html", context)


def _thumbnail_url(photo: Photo) -> str | None:
    album_code = photo.album.code
    if photo.shown_code:
        return reverse(
            "albums:version_file", args=[album_code, photo.code, photo.shown_code, "thumb"]
        )
    if photo.thumbnail:
        return reverse("albums:photo_file", args=[album_code, photo.code, "thumb"])
    return None


def _entry(photo: Photo) -> dict:
    return {
        "code": photo.code,
        "album": photo.album.code,
        "album_title": photo.album.title,
        "caption": photo.caption,
        "title": caption_line(photo.caption) or photo.original_name,
        "date": photo.date_text,
        "people": [person.name for person in photo.people.all()],
        "place": photo.place,
        "thumbnail_url": _thumbnail_url(photo),
        "url": photo.get_absolute_url(),
    }
