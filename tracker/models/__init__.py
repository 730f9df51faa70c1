"""The domain's models, one module per area; Django finds them through this package."""
from tracker.audit.models import AuditEvent
from tracker.models.people import StaffProfile
from tracker.models.portfolio import AdministrativeUnit, Basin, Department, Domain, Project
from tracker.models.problems import Problem, ProblemInstruction
from tracker.models.progress import MonthlyPlan, Procedure, WeeklyReport
from tracker.models.rollbacks import RollbackRequest
from tracker.models.sections import MonitoringSection, SectionReading

__all__ = [
    "AdministrativeUnit",
    "AuditEvent",
    "Basin",
    "Department",
    "Domain",
    "MonthlyPlan",
    "Problem",
    "ProblemInstruction",
    "Procedure",
    "Project",
    "RollbackRequest",
    "SectionReading",
    "StaffProfile",
    "MonitoringSection",
    "WeeklyReport",
]
