"""A small Samad org tree for case tests: the centre, a governorate (province governor's office and
one county governor's office, each with its head's office and the county desk), a ministry with its
minister's office and a deputy's department, and the ministry's provincial directorate with a county
office. Officials of every post the complaint hierarchy knows."""

from dataclasses import dataclass

from apps.orgs.models import Body, OrgUnit, Staff
from tests.factories import BodyFactory, CountyFactory, OrgUnitFactory, ProvinceFactory, StaffFactory


@dataclass
class SamadTree:
    centre: OrgUnit
    province_gov: OrgUnit  # استانداری
    province_gov_office: OrgUnit  # دفتر استاندار
    county_gov: OrgUnit  # فرمانداری
    county_gov_office: OrgUnit  # دفتر فرماندار
    county_desk: OrgUnit  # میز ارتباطات مردمی شهرستان
    ministry_hq: OrgUnit
    minister_office: OrgUnit  # دفتر وزیر
    deputy_dept: OrgUnit
    directorate: OrgUnit  # اداره کل (provincial unit of a body under the ministry)
    county_office: OrgUnit  # اداره شهرستان
    officials: dict[str, Staff]


def samad_tree() -> SamadTree:
    Level = OrgUnit.Level
    province = ProvinceFactory()
    county = CountyFactory(province=province)
    centre_body = BodyFactory(name_fa="مرکز ارتباطات مردمی", kind=Body.Kind.CENTRE)
    centre = OrgUnitFactory(name="مرکز ارتباطات مردمی", body=centre_body, level=Level.HQ, province=None)
    gov_body = BodyFactory(name_fa="استانداری", kind=Body.Kind.GOVERNORATE)
    province_gov = OrgUnitFactory(name="استانداری", body=gov_body, level=Level.PROVINCE, province=province)
    province_gov_office = OrgUnitFactory(
        name="دفتر استاندار", body=gov_body, level=Level.DEPARTMENT, parent=province_gov, head_office=True
    )
    county_gov = OrgUnitFactory(
        name="فرمانداری", body=gov_body, level=Level.COUNTY, parent=province_gov, province=province, county=county
    )
    county_gov_office = OrgUnitFactory(
        name="دفتر فرماندار", body=gov_body, level=Level.DEPARTMENT, parent=county_gov, head_office=True
    )
    county_desk = OrgUnitFactory(name="میز ارتباطات مردمی شهرستان", body=gov_body, level=Level.DEPARTMENT, parent=county_gov)
    ministry = BodyFactory(name_fa="وزارت راه")
    ministry_hq = OrgUnitFactory(name="ستاد وزارت", body=ministry, level=Level.HQ, province=None)
    minister_office = OrgUnitFactory(
        name="دفتر وزیر", body=ministry, level=Level.DEPARTMENT, parent=ministry_hq, head_office=True
    )
    deputy_dept = OrgUnitFactory(name="معاونت فنی", body=ministry, level=Level.DEPARTMENT, parent=ministry_hq)
    directorate_body = BodyFactory(name_fa="اداره کل راه استان", parent=ministry)
    directorate = OrgUnitFactory(
        name="اداره کل راه استان", body=directorate_body, level=Level.PROVINCE, parent=ministry_hq, province=province
    )
    county_office = OrgUnitFactory(
        name="اداره راه شهرستان", body=directorate_body, level=Level.COUNTY, parent=directorate,
        province=province, county=county,
    )
    Post = Staff.PostKind
    officials = {
        "county_head": StaffFactory(unit=county_office, post="رئیس اداره راه شهرستان", post_kind=Post.COUNTY_HEAD),
        "county_desk": StaffFactory(unit=county_desk, post="مسئول میز ارتباطات مردمی", post_kind=Post.COUNTY_DESK),
        "prov_director": StaffFactory(unit=directorate, post="مدیرکل راه استان", post_kind=Post.PROVINCIAL_DIRECTOR),
        "county_gov": StaffFactory(unit=county_gov, post="فرماندار", post_kind=Post.COUNTY_GOVERNOR),
        "province_gov": StaffFactory(unit=province_gov, post="استاندار", post_kind=Post.PROVINCE_GOVERNOR),
        "hq_deputy": StaffFactory(unit=deputy_dept, post="معاون فنی وزیر", post_kind=Post.HQ_DEPUTY),
        "head": StaffFactory(unit=ministry_hq, post="وزیر", post_kind=Post.HEAD_OF_BODY),
        "county_clerk": StaffFactory(unit=county_office, post="کارشناس"),
        "gov_office_clerk": StaffFactory(unit=province_gov_office, post="کارشناس دفتر استاندار"),
        "minister_office_head": StaffFactory(unit=minister_office, post="رئیس دفتر وزیر", post_kind=Post.HQ_DEPUTY),
    }
    return SamadTree(
        centre=centre, province_gov=province_gov, province_gov_office=province_gov_office, county_gov=county_gov,
        county_gov_office=county_gov_office, county_desk=county_desk, ministry_hq=ministry_hq,
        minister_office=minister_office, deputy_dept=deputy_dept, directorate=directorate,
        county_office=county_office, officials=officials,
    )
