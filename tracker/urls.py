"""Pages of the domain: projects, problems, rollbacks (mounted at the site root)."""
from django.urls import path

from tracker.views import instructions, projects

app_name = "tracker"
urlpatterns = [
    path("projects/<int:project_id>/", projects.project_detail, name="project"),
    path("projects/<int:project_id>/report/", projects.weekly_report, name="weekly_report"),
    path("projects/<int:project_id>/transition/", projects.project_transition, name="transition"),
    path("projects/<int:project_id>/problems/", projects.problem_raise, name="problem_raise"),
    path("problems/<int:problem_id>/escalate/", projects.problem_escalate, name="problem_escalate"),
    path("problems/<int:problem_id>/resolve/", projects.problem_resolve, name="problem_resolve"),
    path("problems/<int:problem_id>/instruct/", instructions.problem_instruct, name="problem_instruct"),
    # Project page edits and rollback requests (a clerk asks, an office leader decides).
    path("projects/<int:project_id>/procedures/", projects.procedure_update, name="procedure_update"),
    path("procedures/<int:procedure_id>/approval-file/", projects.procedure_approval_file,
         name="procedure_approval_file"),
    path("projects/<int:project_id>/monthly-plans/", projects.monthly_plan_save, name="monthly_plan_save"),
    path("projects/<int:project_id>/rollback-request/", projects.rollback_request, name="rollback_request"),
    path("rollbacks/<int:request_id>/evidence/", projects.rollback_evidence, name="rollback_evidence"),
    path("evidence/<int:event_id>/", projects.audit_evidence, name="audit_evidence"),
    path("leader/rollbacks/<int:request_id>/approve/", projects.rollback_approve, name="rollback_approve"),
    path("leader/rollbacks/<int:request_id>/reject/", projects.rollback_reject, name="rollback_reject"),
]
