"""Staff groups with least privilege, and the helper migrations use to grant them permissions.

Feature apps add their own models' permissions to these groups from their own migrations,
so the groups stay complete as apps are added.
"""

CONTENT_EDITORS = "Content editors"
MARKETERS = "Marketers"
SUPPORT_AGENTS = "Support agents"


def grant(apps, group_name: str, permissions: dict[str, list[str]]) -> None:
    """Give `group_name` the permissions {app_label: ["view_title", ...]}; for use in a RunPython."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally created after all migrations; create them now for these apps.
    for app_label in permissions:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    group, _ = Group.objects.get_or_create(name=group_name)
    for app_label, codenames in permissions.items():
        found = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        missing = set(codenames) - set(found.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"unknown permissions for {app_label}: {sorted(missing)}")
        group.permissions.add(*found)


def crud(*model_names: str) -> list[str]:
    return [f"{action}_{name}" for name in model_names for action in ("add", "change", "delete", "view")]


def view(*model_names: str) -> list[str]:
    return [f"view_{name}" for name in model_names]
