"""import_movielens: counts, bad rows named by file and line, idempotence, --strict."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Profile, User
from activity.models import Rating
from catalog.models import Tag, Title, TitleTag

pytestmark = pytest.mark.django_db

MOVIES = """movieId,title,genres
1,Toy Story (1995),Adventure|Animation|Children
2,"American President, The (1995)",Comedy|Drama|Romance
3,Untitled Project,(no genres listed)
"""
LINKS = """movieId,imdbId,tmdbId
1,0114709,862
2,0112346,
"""
GOOD_RATINGS = """userId,movieId,rating,timestamp
1,1,4.0,964982703
1,2,2.5,964982224
2,1,5.0,1445714835
"""
TAGS = """userId,movieId,tag,timestamp
1,1,pixar,1139045764
2,1,Pixar,1139045800
2,2,politics,1139045801
"""


def write_movielens(folder: Path, ratings: str = GOOD_RATINGS, *, movies=MOVIES, links=LINKS, tags=TAGS) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "ratings.csv").write_text(ratings)
    for name, text in {"movies.csv": movies, "links.csv": links, "tags.csv": tags}.items():
        if text is not None:
            (folder / name).write_text(text)
    return folder


def run_import(folder: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_movielens", str(folder), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_titles_accounts_ratings_links_and_tags(tmp_path):
    run_import(write_movielens(tmp_path / "ml"))

    assert Title.objects.count() == 3
    toy_story = Title.objects.get(movielens_id=1)
    assert (toy_story.name, toy_story.year, toy_story.imdb_id, toy_story.tmdb_id) == ("Toy Story", 1995, "tt0114709", 862)
    assert sorted(toy_story.genres.values_list("name", flat=True)) == ["Adventure", "Animation", "Children"]
    assert Title.objects.get(movielens_id=2).name == "American President, The"
    assert Title.objects.get(movielens_id=3).genres.count() == 0
    assert User.objects.filter(movielens_user_id__isnull=False).count() == 2
    assert Profile.objects.filter(account__movielens_user_id=1).count() == 1
    assert Rating.objects.get(profile__account__movielens_user_id=1, title=toy_story).stars == 4.0
    # "pixar" and "Pixar" are one vocabulary word and one imported title tag.
    assert TitleTag.objects.filter(title=toy_story, source=TitleTag.Source.IMPORTED).count() == 1
    assert Tag.objects.filter(name="pixar").exists()


def test_a_second_import_changes_nothing(tmp_path):
    folder = write_movielens(tmp_path / "ml")
    run_import(folder)
    before = (Title.objects.count(), User.objects.count(), Rating.objects.count(), TitleTag.objects.count())

    out, _ = run_import(folder)

    assert (Title.objects.count(), User.objects.count(), Rating.objects.count(), TitleTag.objects.count()) == before
    assert "ratings.csv  read        3  created        0" in out
    assert "accounts created: 0" in out


BAD_RATINGS = """userId,movieId,rating,timestamp
1,1,4.0,964982703
1,2,4.0
1,999,3.0,964982703
2,1,7.0,964982703
2,2,3.5,yesterday
3,2,4.5,964982224
"""


def test_bad_rows_are_reported_with_file_line_and_reason_and_good_rows_still_go_in(tmp_path):
    folder = write_movielens(tmp_path / "ml", BAD_RATINGS)

    out, err = run_import(folder)

    assert f"{folder / 'ratings.csv'}:3: expected 4 columns, found 3" in err
    assert f"{folder / 'ratings.csv'}:4: unknown movieId 999" in err
    assert f"{folder / 'ratings.csv'}:5: rating '7.0' out of range" in err
    assert f"{folder / 'ratings.csv'}:6: timestamp 'yesterday' is not a Unix time" in err
    assert Rating.objects.count() == 2
    assert "skipped      4" in out


def test_strict_aborts_on_a_bad_row_without_writing_anything(tmp_path):
    folder = write_movielens(tmp_path / "ml", BAD_RATINGS)

    with pytest.raises(CommandError, match=r"ratings.csv:3: expected 4 columns, found 3 \(--strict"):
        run_import(folder, "--strict")

    assert Title.objects.count() == 0
    assert User.objects.count() == 0
    assert Rating.objects.count() == 0


def test_ratings_file_is_required(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(CommandError, match="ratings.csv is required"):
        run_import(folder)


def test_a_wrong_header_names_the_file(tmp_path):
    folder = write_movielens(tmp_path / "ml", "user,movie,stars,when\n1,1,4.0,964982703\n")
    with pytest.raises(CommandError, match=r"ratings.csv:1: header is"):
        run_import(folder)


def test_ratings_alone_need_titles_already_in_the_catalogue(tmp_path):
    run_import(write_movielens(tmp_path / "first"))
    second = write_movielens(tmp_path / "second", "userId,movieId,rating,timestamp\n5,1,3.0,964982703\n",
                             movies=None, links=None, tags=None)

    run_import(second)

    assert Rating.objects.filter(profile__account__movielens_user_id=5).count() == 1


def test_small_batches_give_the_same_result_as_one_batch(tmp_path):
    run_import(write_movielens(tmp_path / "ml"), "--batch-size", "1")

    assert Rating.objects.count() == 3
    assert Title.objects.count() == 3


# --- hostile files: each is accepted, or reported as file:line with the good rows kept -----------------

def write_bytes_movielens(folder: Path, files: dict[str, bytes]) -> Path:
    write_movielens(folder)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    folder = write_bytes_movielens(tmp_path / "ml", {
        "movies.csv": b"\xef\xbb\xbf" + MOVIES.encode(), "ratings.csv": b"\xef\xbb\xbf" + GOOD_RATINGS.encode(),
    })

    _, err = run_import(folder, "--strict")

    assert err == ""
    assert Title.objects.count() == 3
    assert Rating.objects.count() == 3


def test_invalid_utf8_is_reported_by_file_and_line_and_the_other_rows_go_in(tmp_path):
    movies = MOVIES.encode() + b"4,Caf\xe9 Society (2016),Comedy\n5,Heat (1995),Action\n"
    folder = write_bytes_movielens(tmp_path / "ml", {"movies.csv": movies})

    _, err = run_import(folder)

    assert f"{folder / 'movies.csv'}:5: not valid UTF-8" in err
    assert sorted(Title.objects.values_list("movielens_id", flat=True)) == [1, 2, 3, 5]


def test_invalid_utf8_under_strict_aborts_with_file_and_line(tmp_path):
    folder = write_bytes_movielens(tmp_path / "ml", {"ratings.csv": GOOD_RATINGS.encode() + b"3,1,4.0,96498\xff2703\n"})

    with pytest.raises(CommandError, match=r"ratings.csv:5: not valid UTF-8"):
        run_import(folder, "--strict")
    assert Rating.objects.count() == 0


def test_a_field_over_128_kb_is_reported_by_file_and_line_and_the_other_rows_go_in(tmp_path):
    huge = "x" * (200 * 1024)
    ratings = GOOD_RATINGS + f'3,1,"{huge}",964982703\n' + "4,2,3.0,964982703\n"
    folder = write_movielens(tmp_path / "ml", ratings)

    out, err = run_import(folder)

    assert f"{folder / 'ratings.csv'}:5: a field is longer than" in err
    assert Rating.objects.count() == 4
    assert Rating.objects.filter(profile__account__movielens_user_id=4).exists()


def test_a_20_digit_id_is_reported_by_file_and_line_and_the_other_rows_go_in(tmp_path):
    big = "12345678901234567890"
    folder = write_movielens(
        tmp_path / "ml", GOOD_RATINGS + f"{big},1,4.0,964982703\n",
        movies=MOVIES + f"{big},Too Big (2000),Drama\n", links=LINKS + f"3,0114709,{big}\n",
    )

    _, err = run_import(folder)

    assert f"{folder / 'movies.csv'}:5: movieId '{big}' is out of range" in err
    assert f"{folder / 'ratings.csv'}:5: userId '{big}' is out of range" in err
    assert f"{folder / 'links.csv'}:4: tmdbId '{big}' is out of range" in err
    assert Title.objects.count() == 3
    assert Rating.objects.count() == 3


def test_a_title_with_nul_or_other_control_characters_is_refused_by_file_and_line(tmp_path):
    movies = MOVIES + "4,Bad\x00Name (1999),Drama\n5,Bell\x07 (2001),Drama\n6,Fine (2002),Drama\n"
    tags = TAGS + "1,2,nul\x00tag,1139045802\n"
    folder = write_movielens(tmp_path / "ml", movies=movies, tags=tags)

    _, err = run_import(folder)

    assert f"{folder / 'movies.csv'}:5: title contains a control character (U+0000)" in err
    assert f"{folder / 'movies.csv'}:6: title contains a control character (U+0007)" in err
    assert f"{folder / 'tags.csv'}:5: tag contains a control character (U+0000)" in err
    assert sorted(Title.objects.values_list("movielens_id", flat=True)) == [1, 2, 3, 6]
    names = [*Title.objects.values_list("name", flat=True), *Tag.objects.values_list("name", flat=True)]
    assert not [name for name in names if "\x00" in name]


def test_the_importer_and_the_recommenders_dataset_read_a_folder_alike(tmp_path):
    """One reader (catalog.movielens_files): the same years, genres and tags reach the database and the
    offline dataset, a series' year range included."""
    from recommendations.dataset import MovieLensFormatError, from_movielens

    movies = MOVIES + "4,Death Note: Desu nôto (2006–2007),Mystery\n"
    folder = write_movielens(tmp_path / "ml", GOOD_RATINGS + "2,4,3.5,1445714900\n", movies=movies)
    run_import(folder)
    data = from_movielens(folder)

    index = {int(m): i for i, m in enumerate(data.item_ids)}
    names = data.item_feature_names
    for title in Title.objects.prefetch_related("genres", "tags"):
        row = data.item_features[index[title.movielens_id]]
        features = {names[c] for c in row.indices}
        assert {f"genre:{g.name.lower()}" for g in title.genres.all()} <= features
        assert {f"tag:{t.name}" for t in title.tags.all()} == {f for f in features if f.startswith("tag:")}
        assert (title.year is not None) == any(f.startswith("year:") for f in features), title
    assert Title.objects.get(movielens_id=4).year == 2006

    (folder / "tags.csv").write_text("userId,movieId,tag\n1,1,pixar\n")
    with pytest.raises(MovieLensFormatError, match=r"tags.csv:1: header is"):
        from_movielens(folder)


def test_the_importer_reports_each_file_read_to_the_end_through_the_shared_progress_callback(tmp_path):
    from catalog.movielens import MovieLensImporter

    reports = []
    MovieLensImporter(write_movielens(tmp_path / "ml"), progress=lambda *report: reports.append(report)).run()

    # (rows read, data lines, file): each file's last report says all of it was read.
    assert reports == [(2, 2, "links.csv"), (3, 3, "movies.csv"), (3, 3, "ratings.csv"), (3, 3, "tags.csv")]
