"""The default questionnaire: table 5 of guide 2 with both axis groupings (SPEC §5.1)."""

TITLE = "پرسشنامه سنجش رضایت ارباب رجوع از خدمات"

# (order, title, question numbers)
TABLE5_AXES = [
    (1, "شفافیت فرایندی", [1, 2, 3]),
    (2, "پاسخگویی و مسئولیت‌پذیری", [4, 5, 6, 7]),
    (3, "تسلط بر فرایند", [8]),
    (4, "زمان فرایند", [9, 10, 11]),
    (5, "نظام‌مند بودن فرایند", [12, 13, 14, 15]),
    (6, "کلیت فرایند", [16]),
]
ANNEX2_AXES = [
    (1, "شفافیت فرایندی", [1, 2, 3]),
    (2, "پاسخگویی و مسئولیت‌پذیری", [4, 5, 6]),
    (3, "تسلط بر فرایند", [7, 8, 9]),
    (4, "زمان فرایند", [10, 11, 12]),
    (5, "نظام‌مند بودن فرایند", [13, 14, 15]),
    (6, "کلیت فرایند", [16]),
]
QUESTIONS = {
    1: "نحوه اطلاع‌رسانی درباره مراحل انجام کار",
    2: "نحوه اطلاع‌رسانی درباره مدارک مورد نیاز برای ارائه خدمت",
    3: "انجام کار بر اساس ضوابط اداری و عدم دخالت قضاوت‌های شخصی",
    4: "نحوه رفتار و راهنمایی و پاسخگویی مسئول مربوطه",
    5: "امکانات رفاهی و فضای ارائه خدمت",
    6: "به موقع بودن و شفاف بودن رسیدگی به شکایات، نظرات و پیشنهادهای شما",
    7: "راهنمایی و پاسخگویی کارکنان به مراجعین و پی‌گیری وضعیت درخواست‌ها",
    8: "دقت کارمند در انجام کار به گونه‌ای که نیاز به دوباره‌کاری نباشد",
    9: "تعداد دفعات مراجعه به سازمان برای دریافت خدمت",
    10: "تعهد و پایبندی به زمان ارائه خدمت در فرم «رسید خدمت»",
    11: "میزان مراجعه به قسمت‌ها و بخش‌های مختلف برای دریافت خدمت",
    12: "نظم، ترتیب و سهولت دسترسی به افراد و امکانات برای دریافت خدمت",
    13: "دریافت یکباره مدارک و اطلاعات به صورت الکترونیکی یا حضوری در هنگام مراجعه",
    14: "ارائه اطلاعات تکراری (کپی شناسنامه، کارت ملی، ارائه چندباره اطلاعات) به واحدهای مختلف",
    15: "احساس نیاز به سفارش و توصیه برای دریافت خدمت",
    16: "احساس رضایت از کل خدمت دریافت شده",
}
# "How many / how much" of something bad: a high answer is low satisfaction.
REVERSE_SCORED = {9, 11, 14, 15}


def questionnaire_seed(Questionnaire, Axis, Question) -> None:
    """Create version 1 if no questionnaire exists (models passed in, so migrations can call it)."""
    if Questionnaire.objects.exists():
        return
    q = Questionnaire.objects.create(title=TITLE, version=1, active=True)
    axis_of = {}
    for grouping, axes in (("table5", TABLE5_AXES), ("annex2", ANNEX2_AXES)):
        for order, title, numbers in axes:
            axis = Axis.objects.create(questionnaire=q, grouping=grouping, order=order, title=title)
            for n in numbers:
                axis_of[(grouping, n)] = axis
    for number, text in QUESTIONS.items():
        Question.objects.create(
            questionnaire=q, number=number, text=text, axis=axis_of[("table5", number)],
            audit_axis=axis_of[("annex2", number)], reverse_scored=number in REVERSE_SCORED,
        )
