"""Demo organisation: Mazandaran, a ministry with its HQ and provincial directorate, the
provincial planning organisation (auditors) and the national organisation. Idempotent."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.core.holidays import holidays_seed
from apps.orgs import roles
from apps.orgs.models import Body, Counter, County, OrgUnit, Province, Staff
from apps.orgs.services import provinces_seed


@dataclass
class DemoOrg:
    province: Province
    ministry: Body
    directorate: Body
    hq: OrgUnit
    provincial: OrgUnit
    departments: dict[str, OrgUnit]
    county_units: dict[str, OrgUnit]
    counters: list[Counter]
    staff: dict[str, Staff] = field(default_factory=dict)
    units: dict[str, OrgUnit] = field(default_factory=dict)


# username → (first name, last name, post, role, unit key, main duties)
DEMO_LOGINS = {
    "admin": ("مهدی", "صالحی", "مدیر سامانه", roles.ADMINISTRATOR, "hq", "نگهداری اطلاعات پایه، کاربران و تقویم تعطیلات"),
    "clerk": ("مریم", "احمدی", "کارشناس میز خدمت", roles.DESK_CLERK, "provincial", "پذیرش درخواست، بررسی مدارک، صدور رسید و تحویل پاسخ"),
    "officer": ("علی", "کریمی", "کارشناس املاک", roles.UNIT_OFFICER, "dept_estate", "بررسی پرونده‌های املاک و تهیه پاسخ"),
    "supervisor": ("زهرا", "رضایی", "مسئول میز خدمت", roles.BODY_SUPERVISOR, "provincial", "نظارت بر میز خدمت، فهرست خدمات و باجه‌ها"),
    "auditor": ("حسین", "موسوی", "ارزیاب میز خدمت", roles.PROVINCIAL_AUDITOR, "planning", "ارزیابی دوماهه میزهای خدمت استان"),
    "national": ("فاطمه", "حسینی", "ارزیاب ملی", roles.NATIONAL_AUDITOR, "national_org", "تلفیق گزارش‌های ملی"),
    # People's communication cases (SPEC §8).
    "people": ("نسرین", "کاظمی", "کارشناس میز ارتباطات مردمی", roles.PEOPLE_CLERK, "county_desk", "ثبت و ارجاع موارد ارتباطات مردمی شهرستان"),
    "handler": ("مجید", "فرهادی", "کارشناس رسیدگی به شکایات", roles.COMPLAINT_HANDLER, "governor_office", "رسیدگی به شکایت از مدیران استان"),
    "centre": ("لیلا", "مرادی", "کارشناس مرکز ارتباطات مردمی", roles.CENTRE_REVIEWER, "centre", "بررسی موارد ارجاعی و گزارش‌های ملی"),
    "ideas": ("بهرام", "شریفی", "دبیر کارگروه ایده‌ها", roles.IDEAS_MEMBER, "centre", "بررسی ایده‌ها و پیشنهادهای مردمی"),
}

# Staff without a login: they serve clients and will get QR codes and name plates.
DEMO_STAFF = [
    ("رضا", "نوری", "کارشناس میز خدمت", "provincial", "پذیرش و راهنمایی ارباب رجوع"),
    ("سارا", "جعفری", "کارشناس مسکن", "dept_housing", "بررسی درخواست‌های مسکن"),
    ("محمد", "قاسمی", "رئیس اداره املاک", "dept_estate", "امضای پاسخ‌های املاک"),
    ("نرگس", "طاهری", "کارشناس راهداری", "county_sari", "رسیدگی به درخواست‌های راهداری شهرستان"),
    ("امیر", "صادقی", "کارشناس فنی", "county_babol", "بازدید و کارشناسی فنی"),
]


# Officials without a login whose posts the complaint hierarchy routes on (charter 10-3):
# (first name, last name, post, post kind, unit key).
DEMO_OFFICIALS = [
    ("حمید", "یوسفی", "مدیرکل راه و شهرسازی استان مازندران", Staff.PostKind.PROVINCIAL_DIRECTOR, "provincial"),
    ("کاظم", "رحیمی", "رئیس اداره راه و شهرسازی شهرستان ساری", Staff.PostKind.COUNTY_HEAD, "county_sari"),
    ("ناصر", "عباسی", "فرماندار ساری", Staff.PostKind.COUNTY_GOVERNOR, "county_governorate"),
    ("محمود", "حسین‌زاده", "استاندار مازندران", Staff.PostKind.PROVINCE_GOVERNOR, "governorate"),
    ("پرویز", "نادری", "معاون ساختمان و مسکن وزیر", Staff.PostKind.HQ_DEPUTY, "hq"),
]


def _unit(key: str, **fields) -> OrgUnit:
    unit = OrgUnit.objects.filter(name=fields["name"], body=fields["body"]).first() or OrgUnit(**fields)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean()
    unit.save()
    return unit


def seed_org_demo(*, password: str) -> DemoOrg:
    """Create (or bring up to date) the demo organisation and its logins."""
    # Reference data normally comes from migrations; a flushed test database needs it again.
    provinces_seed()
    holidays_seed()
    mazandaran = Province.objects.get(code="IR-02")
    sari, _ = County.objects.get_or_create(province=mazandaran, name_fa="ساری", defaults={"name_en": "Sari"})
    babol, _ = County.objects.get_or_create(province=mazandaran, name_fa="بابل", defaults={"name_en": "Babol"})

    ministry, _ = Body.objects.update_or_create(
        name_fa="وزارت راه و شهرسازی",
        defaults={"name_en": "Ministry of Roads and Urban Development", "head_name": "دکتر محمد رحمانی",
                  "head_post": "وزیر راه و شهرسازی", "website": "https://www.mrud.ir"},
    )
    directorate, _ = Body.objects.update_or_create(
        name_fa="اداره کل راه و شهرسازی استان مازندران",
        defaults={"name_en": "Roads and Urban Development Directorate of Mazandaran", "parent": ministry,
                  "head_name": "مهندس حمید یوسفی", "head_post": "مدیرکل راه و شهرسازی استان مازندران"},
    )
    planning, _ = Body.objects.update_or_create(
        name_fa="سازمان مدیریت و برنامه‌ریزی استان مازندران",
        defaults={"name_en": "Management and Planning Organisation of Mazandaran"},
    )
    national_org, _ = Body.objects.update_or_create(
        name_fa="سازمان اداری و استخدامی کشور",
        defaults={"name_en": "Administrative and Recruitment Affairs Organisation"},
    )

    hq = _unit("hq", name="ستاد مرکزی وزارت راه و شهرسازی", body=ministry, level=OrgUnit.Level.HQ,
               address="تهران، بلوار دادمان", phone="021-88086000")
    # The provincial directorate hangs under its ministry's HQ, so the ministry sees its provinces.
    provincial = _unit("provincial", name="اداره کل راه و شهرسازی مازندران", body=directorate,
                       parent=hq, level=OrgUnit.Level.PROVINCE, province=mazandaran,
                       address="ساری، بلوار پاسداران، طبقه همکف", phone="011-33363000")
    departments = {
        "dept_estate": _unit("dept_estate", name="اداره املاک و حقوقی", body=directorate, parent=provincial,
                             level=OrgUnit.Level.DEPARTMENT),
        "dept_housing": _unit("dept_housing", name="اداره مسکن و ساختمان", body=directorate, parent=provincial,
                              level=OrgUnit.Level.DEPARTMENT),
        "dept_roads": _unit("dept_roads", name="اداره راهداری", body=directorate, parent=provincial,
                            level=OrgUnit.Level.DEPARTMENT),
    }
    county_units = {
        "county_sari": _unit("county_sari", name="اداره راه و شهرسازی شهرستان ساری", body=directorate,
                             parent=provincial, level=OrgUnit.Level.COUNTY, province=mazandaran, county=sari),
        "county_babol": _unit("county_babol", name="اداره راه و شهرسازی شهرستان بابل", body=directorate,
                              parent=provincial, level=OrgUnit.Level.COUNTY, province=mazandaran, county=babol),
    }
    planning_unit = _unit("planning", name="سازمان مدیریت و برنامه‌ریزی مازندران", body=planning,
                          level=OrgUnit.Level.PROVINCE, province=mazandaran)
    national_unit = _unit("national_org", name="ستاد سازمان اداری و استخدامی کشور", body=national_org,
                          level=OrgUnit.Level.HQ)
    samad_units = _samad_units(mazandaran, sari, hq)

    counters = [
        Counter.objects.update_or_create(unit=provincial, number=n, defaults={"title": title, "active": True})[0]
        for n, title in ((1, "پذیرش و تشکیل پرونده"), (2, "تحویل پاسخ و پیگیری"))
    ]

    units = {"hq": hq, "provincial": provincial, "planning": planning_unit, "national_org": national_unit,
             **departments, **county_units, **samad_units}
    org = DemoOrg(mazandaran, ministry, directorate, hq, provincial, departments, county_units, counters)

    User = get_user_model()
    for n, (username, (first, last, post, role, unit_key, duties)) in enumerate(DEMO_LOGINS.items(), start=1):
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role in roles.ADMIN_SITE_ROLES
        user.is_superuser = role == roles.ADMINISTRATOR
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        staff, _ = Staff.objects.update_or_create(
            user=user,
            defaults={"first_name": first, "last_name": last, "post": post, "unit": units[unit_key],
                      "personnel_code": f"{9000 + n}", "main_duties": duties, "active": True},
        )
        org.staff[username] = staff
    for n, (first, last, post, unit_key, duties) in enumerate(DEMO_STAFF, start=1):
        staff, _ = Staff.objects.update_or_create(
            personnel_code=f"{7000 + n}", body=units[unit_key].body,
            defaults={"first_name": first, "last_name": last, "post": post, "unit": units[unit_key],
                      "main_duties": duties, "active": True},
        )
        org.staff[f"staff{n}"] = staff
    for n, (first, last, post, post_kind, unit_key) in enumerate(DEMO_OFFICIALS, start=1):
        staff, _ = Staff.objects.update_or_create(
            personnel_code=f"{8000 + n}", body=units[unit_key].body,
            defaults={"first_name": first, "last_name": last, "post": post, "post_kind": post_kind,
                      "unit": units[unit_key], "active": True},
        )
        org.staff[f"official_{post_kind}"] = staff
    org.units = units
    return org


def _samad_units(province: Province, county: County, ministry_hq: OrgUnit) -> dict[str, OrgUnit]:
    """The people's communication tree: the centre, the governor's offices with their heads' offices
    and the county desk, and the minister's office (apps.cases.routing reads these)."""
    centre_body, _ = Body.objects.update_or_create(
        name_fa="مرکز ارتباطات مردمی", defaults={"name_en": "People's Communication Centre", "kind": Body.Kind.CENTRE}
    )
    governorate, _ = Body.objects.update_or_create(
        name_fa="استانداری مازندران",
        defaults={"name_en": "Mazandaran Governorate", "kind": Body.Kind.GOVERNORATE,
                  "head_name": "محمود حسین‌زاده", "head_post": "استاندار مازندران"},
    )
    Level = OrgUnit.Level
    centre = _unit("centre", name="مرکز ارتباطات مردمی", body=centre_body, level=Level.HQ, address="تهران، خیابان پاستور")
    province_gov = _unit("governorate", name="استانداری مازندران", body=governorate, level=Level.PROVINCE,
                         province=province, address="ساری، میدان امام")
    county_gov = _unit("county_governorate", name="فرمانداری ساری", body=governorate, parent=province_gov,
                       level=Level.COUNTY, province=province, county=county, address="ساری، خیابان جمهوری")
    return {
        "centre": centre,
        "governorate": province_gov,
        "governor_office": _unit("governor_office", name="دفتر استاندار مازندران", body=governorate,
                                 parent=province_gov, level=Level.DEPARTMENT, head_office=True),
        "county_governorate": county_gov,
        "county_governor_office": _unit("county_governor_office", name="دفتر فرماندار ساری", body=governorate,
                                        parent=county_gov, level=Level.DEPARTMENT, head_office=True),
        "county_desk": _unit("county_desk", name="میز ارتباطات مردمی فرمانداری ساری", body=governorate,
                             parent=county_gov, level=Level.DEPARTMENT),
        "minister_office": _unit("minister_office", name="دفتر وزیر راه و شهرسازی", body=ministry_hq.body,
                                 parent=ministry_hq, level=Level.DEPARTMENT, head_office=True),
    }
