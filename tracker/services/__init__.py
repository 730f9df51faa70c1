"""Every write to the portfolio: transitions, edits, weekly reports, procedures, problems.

Each service takes the acting user explicitly (core.actors.SYSTEM for the calendar's and the
command line's own acts, recorded as “系统”; None is an error),
checks permissions itself, runs in one transaction with the row locked, and writes its audit
row in that same transaction.

The package is split by what a person does; every public name is re-exported here.
"""
from tracker.audit.records import (  # noqa: F401
    actor_display_name,
    audit_event_build,
    audit_record,
)
from tracker.services.handling_rules import (  # noqa: F401
    handling_rule_set,
)
from tracker.services.instructions import (  # noqa: F401
    problem_instruct,
)
from tracker.services.problems import (  # noqa: F401
    problem_escalate,
    problem_raise,
    problem_resolve,
)
from tracker.services.procedures import (  # noqa: F401
    procedure_update,
)
from tracker.services.progress import (  # noqa: F401
    monthly_plan_save,
    weekly_report_submit,
)
from tracker.services.projects import (  # noqa: F401
    EDITABLE_PROJECT_FIELDS,
    GUARD_MESSAGES,
    TRANSITIONS,
    EditConflict,
    TransitionRefused,
    TransitionSpec,
    project_create,
    project_transition,
    project_update,
)
from tracker.services.rollbacks import (  # noqa: F401
    rollback_request_approve,
    rollback_request_file,
    rollback_request_reject,
)
