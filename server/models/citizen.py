"""What citizens send the office: feedback tickets and SKM satisfaction surveys."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Feedback(Model):
    """A complaint, consultation, appreciation or suggestion, with its ticket and its answer."""

    id = fields.CharField(max_length=36, primary_key=True)  # UUID (made on the tablet offline)
    ticket_code = fields.CharField(max_length=20, unique=True)
    ticket_token_hash = fields.CharField(max_length=64)  # sha256 hex of the ticket link's secret
    kind = fields.CharField(max_length=12, db_index=True)  # pengaduan konsultasi apresiasi saran
    category = fields.CharField(max_length=40, default="")
    message = fields.TextField()
    contact_name = fields.CharField(max_length=100, default="")
    contact = fields.CharField(max_length=120, default="")  # phone or e-mail, staff eyes only
    application_id = fields.CharField(max_length=36, null=True, db_index=True)
    source = fields.CharField(max_length=12)  # status_page public field
    created_by = fields.CharField(max_length=80, default="")  # "device:<id>" for field entries
    created_at = fields.DatetimeField(db_index=True)
    due_on = fields.DateField(db_index=True)
    state = fields.CharField(max_length=12, default="new", db_index=True)
    assigned_to_id = fields.IntField(null=True, db_index=True)
    reply = fields.TextField(default="")
    replied_at = fields.DatetimeField(null=True)
    replied_by_id = fields.IntField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "feedback"


class SurveyResponse(Model):
    """One SKM answer sheet (PermenPAN-RB 14/2017): nine element scores 1-4 and the profile.
    One per service event: an issued or finished application is answered for at most once."""

    id = fields.CharField(max_length=36, primary_key=True)
    application_id = fields.CharField(max_length=36, unique=True)
    permit_type = fields.CharField(max_length=32, db_index=True)
    u1 = fields.SmallIntField()
    u2 = fields.SmallIntField()
    u3 = fields.SmallIntField()
    u4 = fields.SmallIntField()
    u5 = fields.SmallIntField()
    u6 = fields.SmallIntField()
    u7 = fields.SmallIntField()
    u8 = fields.SmallIntField()
    u9 = fields.SmallIntField()
    age = fields.SmallIntField()
    sex = fields.CharField(max_length=1)
    education = fields.CharField(max_length=12)
    occupation = fields.CharField(max_length=20)  # "petani_nelayan" has 14
    source = fields.CharField(max_length=12)  # status_page field
    answered_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "skm_response"
