"""factory-boy factories shared by every test package."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.orgs.models import Body, County, Counter, OrgUnit, Province, Staff


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"X{n:03d}")
    name_fa = factory.Sequence(lambda n: f"استان {n}")
    name_en = factory.Sequence(lambda n: f"Province {n}")


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County

    province = factory.SubFactory(ProvinceFactory)
    name_fa = factory.Sequence(lambda n: f"شهرستان {n}")
    name_en = factory.Sequence(lambda n: f"County {n}")


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    name_fa = factory.Sequence(lambda n: f"دستگاه {n}")
    name_en = factory.Sequence(lambda n: f"Body {n}")
    head_name = "علی رضایی"
    head_post = "مدیرکل"


class OrgUnitFactory(factory.django.DjangoModelFactory):
    """A provincial unit by default; pass level/parent for others."""

    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"واحد {n}")
    body = factory.SubFactory(BodyFactory)
    level = OrgUnit.Level.PROVINCE
    province = factory.SubFactory(ProvinceFactory)
    county = None


class DepartmentFactory(OrgUnitFactory):
    level = OrgUnit.Level.DEPARTMENT
    parent = factory.SubFactory(OrgUnitFactory)
    body = factory.SelfAttribute("parent.body")
    province = None


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter

    unit = factory.SubFactory(OrgUnitFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "پذیرش"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    first_name = factory.Iterator(["مریم", "علی", "زهرا", "حسین", "فاطمه"])
    last_name = factory.Iterator(["احمدی", "محمدی", "کریمی", "رضایی", "حسینی"])
    personnel_code = factory.Sequence(lambda n: f"{1000 + n}")
    post = "کارشناس میز خدمت"
    main_duties = "پذیرش درخواست‌ها و راهنمایی ارباب رجوع"
    unit = factory.SubFactory(OrgUnitFactory)
    user = None


def staff_user(role: str | None, unit: OrgUnit | None = None, **staff_kwargs) -> Staff:
    """A staff member with a login in the given role (group name from apps.orgs.roles)."""
    user = UserFactory(role=role)
    return StaffFactory(user=user, unit=unit or OrgUnitFactory(), **staff_kwargs)


# --- catalog ------------------------------------------------------------------------------------
from decimal import Decimal  # noqa: E402

from apps.catalog.models import (  # noqa: E402
    Fee,
    RequiredDocument,
    SubService,
    WorkflowStage,
)


class SubServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubService

    body = factory.SubFactory(BodyFactory)
    code = factory.Sequence(lambda n: f"{11000 + n}")
    title = factory.Sequence(lambda n: f"صدور گواهی شماره {n}")
    description = "شرح خدمت برای ارباب رجوع"
    channel = "in_person"
    non_electronic_reason = "law"
    addresses = "ساری، بلوار پاسداران"


class WorkflowStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkflowStage

    service = factory.SubFactory(SubServiceFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"مرحله {n}")
    responsible_unit = factory.LazyAttribute(lambda o: OrgUnitFactory(body=o.service.body))
    responsible_post = "کارشناس"
    duration = Decimal(2)
    duration_unit = "working_day"


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    service = factory.SubFactory(SubServiceFactory)
    title = factory.Sequence(lambda n: f"مدرک {n}")
    form = "copy"


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    service = factory.SubFactory(SubServiceFactory)
    title = "هزینه صدور"
    amount_rials = 500000
    account = "IR820170000000123456789012"
    legal_basis = "بند ۳ ماده ۵ قانون بودجه"


# --- desk ---------------------------------------------------------------------------------------
def registered_request(*, service=None, unit=None, clerk=None, stages: int = 3, **applicant):
    """A request registered through the real service (stages copied, first stage active)."""
    from apps.desk import services as desk_services

    unit = unit or (clerk.unit if clerk else OrgUnitFactory())
    if service is None:
        service = SubServiceFactory(body=unit.body)
        for n in range(1, stages + 1):
            WorkflowStageFactory(service=service, order=n, responsible_unit=unit)
    defaults = {"national_code": "0499370899", "full_name": "سارا محمدی", "mobile": "09121234567"}
    defaults.update(applicant)
    return desk_services.service_request_register(
        service=service, unit=unit, by=clerk, applicant=desk_services.Applicant(**defaults), documents=[]
    )
