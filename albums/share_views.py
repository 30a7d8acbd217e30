"""Sharing, the owner's side: links for anyone and albums shared with registered people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from albums import invitation_views
from albums.forms import MemberForm, MemberRoleForm, ShareLinkForm
from albums.models import MEMBER_ROLES, Album, AlbumMember, Role, ShareLink


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _owned_album(request: HttpRequest, code: str) -> Album:
    return get_object_or_404(Album.objects.owned_by(request.user), code=code)


def _link_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("albums:share", args=[token]))


@require_GET
def album_share(request: HttpRequest, code: str) -> HttpResponse:
    """The album's sharing page: links and people."""
    album = _owned_album(request, code)
    context = {
        "album": album,
        "links": album.share_links.all(),
        "members": album.members.select_related("user").order_by("added_at"),
        "invitations": album.invitations.pending(),
        "link_form": ShareLinkForm(),
        "member_form": MemberForm(album=album),
        "roles": MEMBER_ROLES,
        "new_link_url": request.session.pop("new_share_link", None),
    }
    return render(request, "albums/share.html", context)


@require_POST
def link_create(request: HttpRequest, code: str) -> HttpResponse:
    album = _owned_album(request, code)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        context = {
            "album": album,
            "links": album.share_links.all(),
            "members": album.members.select_related("user"),
            "link_form": form,
            "member_form": MemberForm(album=album),
            "roles": MEMBER_ROLES,
        }
        return render(request, "albums/share.html", context, status=400)
    link, token = ShareLink.create(
        album,
        label=form.cleaned_data["label"],
        expires_in_days=form.cleaned_data["expires_in_days"],
        password=form.cleaned_data["password"],
        allow_download=form.cleaned_data["allow_download"],
    )
    url = _link_url(request, token)
    revoke_url = request.build_absolute_uri(
        reverse("albums:link_revoke", args=[album.code, link.code])
    )
    if _wants_json(request):
        return JsonResponse({"url": url, "revoke_url": revoke_url}, status=201)
    # Shown once, on the next page: only a hash of the token is kept.
    request.session["new_share_link"] = url
    return redirect("albums:album_share", album.code)


@require_http_methods(["GET", "POST"])
def link_revoke(request: HttpRequest, code: str, link_code: str) -> HttpResponse:
    """Asks first (GET), revokes on POST."""
    album = _owned_album(request, code)
    link = get_object_or_404(album.share_links, code=link_code)
    if request.method == "GET":
        back = _same_site(request, request.GET.get("next", ""), album)
        return render(
            request, "albums/link_confirm_revoke.html", {"album": album, "link": link, "back": back}
        )
    link.revoke()
    if _wants_json(request):
        return JsonResponse({"revoked": True})
    messages.success(request, f"“{link}” no longer works.")
    return redirect(_same_site(request, request.POST.get("next", ""), album))


def _same_site(request: HttpRequest, target: str, album: Album) -> str:
    """`target` if it is a page of this site, else the album's sharing page."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("albums:album_share", args=[album.code])


@require_POST
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    album = _owned_album(request, code)
    form = MemberForm(request.POST, album=album)
    if form.is_valid():
        data = form.cleaned_data
        messages.success(request, invitation_views.invite(album, data["who"], data["role"]))
    else:
        messages.error(request, next(iter(form.errors.values()))[0])
    return redirect("albums:album_share", album.code)


@require_POST
def member_role(request: HttpRequest, code: str, member_id: int) -> HttpResponse:
    """The owner makes a member a viewer or a contributor."""
    album = _owned_album(request, code)
    member = get_object_or_404(album.members.select_related("user"), pk=member_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["role"][0])
        return redirect("albums:album_share", album.code)
    member.role = form.cleaned_data["role"]
    member.save(update_fields=["role"])
    name = member.user.get_short_name() or member.user.username
    if member.role == Role.CONTRIBUTOR:
        messages.success(request, f"{name} may now add photos and edit captions.")
    else:
        messages.success(request, f"{name} now only sees this album.")
    return redirect("albums:album_share", album.code)


@require_POST
def member_remove(request: HttpRequest, code: str, member_id: int) -> HttpResponse:
    album = _owned_album(request, code)
    member = get_object_or_404(album.members.select_related("user"), pk=member_id)
    member.delete()
    messages.success(request, f"{member.user.username} no longer sees this album.")
    return redirect("albums:album_share", album.code)


@login_required
@require_GET
def shared_with_me(request: HttpRequest) -> HttpResponse:
    """The albums others share with this person, with whose they are and the role."""
    albums = (
        Album.objects.shared_with(request.user)
        .with_summary()
        .with_role_of(request.user)
        .select_related("owner")
    )
    return render(request, "albums/shared_with_me.html", {"albums": albums})


@login_required
@require_GET
def shared_overview(request: HttpRequest) -> HttpResponse:
    """Every link of every album, with what became of it."""
    links = ShareLink.objects.filter(album__owner=request.user).select_related("album")
    members = AlbumMember.objects.filter(album__owner=request.user).select_related("album", "user")
    return render(request, "albums/shared.html", {"links": links, "members": members})
