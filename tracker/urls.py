"""Pages of the domain: projects, problems, rollbacks (mounted at the site root)."""
from django.urls import path

from tracker import instruction_views, views

app_name = "tracker"
urlpatterns = [
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/report/", views.weekly_report, name="weekly_report"),
    path("projects/<int:project_id>/transition/", views.project_transition, name="transition"),
    path("projects/<int:project_id>/problems/", views.problem_raise, name="problem_raise"),
    path("problems/<int:problem_id>/escalate/", views.problem_escalate, name="problem_escalate"),
    path("problems/<int:problem_id>/resolve/", views.problem_resolve, name="problem_resolve"),
    path("problems/<int:problem_id>/instruct/", instruction_views.problem_instruct, name="problem_instruct"),
    # Project page edits and rollback requests (a clerk asks, an office leader decides).
    path("projects/<int:project_id>/procedures/", views.procedure_update, name="procedure_update"),
    path("procedures/<int:procedure_id>/approval-file/", views.procedure_approval_file,
         name="procedure_approval_file"),
    path("projects/<int:project_id>/monthly-plans/", views.monthly_plan_save, name="monthly_plan_save"),
    path("projects/<int:project_id>/rollback-request/", views.rollback_request, name="rollback_request"),
    path("rollbacks/<int:request_id>/evidence/", views.rollback_evidence, name="rollback_evidence"),
    path("evidence/<int:event_id>/", views.audit_evidence, name="audit_evidence"),
    path("leader/rollbacks/<int:request_id>/approve/", views.rollback_approve, name="rollback_approve"),
    path("leader/rollbacks/<int:request_id>/reject/", views.rollback_reject, name="rollback_reject"),
]
