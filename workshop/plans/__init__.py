"""Session plans: the method library in ``sessions/*.toml``, loaded and validated in one place."""

from workshop.plans.loader import (
    STAGE_KINDS,
    Axis,
    Lane,
    Plan,
    PlanError,
    Stage,
    list_plans,
    load_plan,
    load_plan_file,
    plan_from_data,
)

__all__ = [
    "STAGE_KINDS",
    "Axis",
    "Lane",
    "Plan",
    "PlanError",
    "Stage",
    "list_plans",
    "load_plan",
    "load_plan_file",
    "plan_from_data",
]
