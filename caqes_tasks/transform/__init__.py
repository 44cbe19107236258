"""Transform stage: the dbt project (dbt_project/) run in-process over the warehouse."""

from caqes_tasks.transform.runner import MARTS, NIGHTLY_SELECT, TransformError, run_dbt, transform_stage  # noqa: F401
