// SPDX-License-Identifier: GPL-3.0-or-later
// Formats, controls and the pipeline doctor without a device: names as media-ctl and v4l2-ctl write them, what a
// person types and what is refused, and the kernel's link rules on graphs built here (the kernel suite checks the
// same against vimc).

#include "ksscope/controls.h"
#include "ksscope/doctor.h"

#include <QTest>

using namespace ksscope;

namespace {

constexpr std::uint32_t kSgrbg8 = 0x3002; // MEDIA_BUS_FMT_SGRBG8_1X8
constexpr std::uint32_t kSrggb8 = 0x3014; // MEDIA_BUS_FMT_SRGGB8_1X8
constexpr std::uint32_t kRgb888 = 0x100a; // MEDIA_BUS_FMT_RGB888_1X24

std::uint32_t fourcc(const char* s)
{
    return *fourccFromName(s);
}

StreamFormat bus(std::uint32_t code, std::uint32_t w, std::uint32_t h, std::uint32_t field = kFieldNone)
{
    StreamFormat f;
    f.space = FormatSpace::MediaBus;
    f.code = code;
    f.width = w;
    f.height = h;
    f.field = field;
    f.colorspace = kColorspaceSrgb;
    return f;
}

StreamFormat pix(const char* code, std::uint32_t w, std::uint32_t h, std::uint32_t field = kFieldNone)
{
    StreamFormat f = bus(fourcc(code), w, h, field);
    f.space = FormatSpace::PixelFormat;
    return f;
}

PinFormats pin(const std::string& id, const StreamFormat& active, const std::string& driver = "vimc")
{
    PinFormats p;
    p.pinId = id;
    p.active = active;
    p.driver = driver;
    return p;
}

/// Sensor A:0 -> Debayer A:0, Sensor A:0 -> Raw Capture 0:0 (a video node's pad), Debayer A:1 -> Capture:0 (off).
Topology vimcLike()
{
    Topology t;
    auto filter = [&](const std::string& id, const std::string& name, std::vector<std::string> pads) {
        FilterInfo f;
        f.id = id;
        f.name = name;
        for (const std::string& p : pads) {
            PinInfo pin;
            pin.id = id + "/" + p;
            pin.name = p;
            f.pins.push_back(pin);
        }
        t.filters.push_back(f);
    };
    filter("v4l2:vimc/Sensor_A", "Sensor A", {"pad0"});
    filter("v4l2:vimc/Debayer_A", "Debayer A", {"pad0", "pad1"});
    filter("v4l2:vimc/Raw_Capture_0", "Raw Capture 0", {"pad0"});
    filter("v4l2:vimc/RGB_YUV_Capture", "RGB/YUV Capture", {"pad0"});
    t.connections = {{"v4l2:vimc/Sensor_A/pad0", "v4l2:vimc/Debayer_A/pad0", ConnectionEnabled | ConnectionImmutable},
                     {"v4l2:vimc/Sensor_A/pad0", "v4l2:vimc/Raw_Capture_0/pad0", ConnectionEnabled},
                     {"v4l2:vimc/Debayer_A/pad1", "v4l2:vimc/RGB_YUV_Capture/pad0", 0}};
    return t;
}

std::vector<PinFormats> agreeing()
{
    return {pin("v4l2:vimc/Sensor_A/pad0", bus(kSgrbg8, 640, 480)),
            pin("v4l2:vimc/Debayer_A/pad0", bus(kSgrbg8, 640, 480)),
            pin("v4l2:vimc/Debayer_A/pad1", bus(kRgb888, 640, 480)),
            pin("v4l2:vimc/Raw_Capture_0/pad0", pix("GRBG", 640, 480)),
            pin("v4l2:vimc/RGB_YUV_Capture/pad0", pix("RGB3", 320, 240))};
}

PinFormats& find(std::vector<PinFormats>& formats, const std::string& suffix)
{
    for (PinFormats& p : formats)
        if (p.pinId.size() >= suffix.size() &&
            p.pinId.compare(p.pinId.size() - suffix.size(), suffix.size(), suffix) == 0)
            return p;
    qFatal("no pin %s", suffix.c_str());
}

ControlInfo control(ControlType type, const char* name, std::int64_t min, std::int64_t max)
{
    ControlInfo c;
    c.type = type;
    c.name = name;
    c.key = controlKey(name);
    c.minimum = min;
    c.maximum = max;
    c.id = 0x00980900;
    return c;
}

} // namespace

class TestDoctor : public QObject {
    Q_OBJECT

private slots:
    void namesAreMediaCtls()
    {
        QCOMPARE(fieldName(kFieldNone), std::string("none"));
        QCOMPARE(fieldName(kFieldInterlaced), std::string("interlaced"));
        QCOMPARE(fieldFromName("seq-tb").value_or(99), 5U);
        QCOMPARE(colorspaceName(kColorspaceSrgb), std::string("srgb"));
        QCOMPARE(quantizationFromName("lim-range").value_or(99), 2U);
        QVERIFY(!xferFuncFromName("gamma").has_value());
        QCOMPARE(mbusCodeName(kSgrbg8), std::string("SGRBG8_1X8"));
        QCOMPARE(mbusCodeFromName("MEDIA_BUS_FMT_RGB888_1X24").value_or(0), kRgb888);
        QCOMPARE(mbusCodeFromName("sgrbg8_1x8").value_or(0), kSgrbg8);
        QCOMPARE(mbusCodeName(0x7fff), std::string("0x7fff"));
        QCOMPARE(fourccName(fourcc("YUYV")), std::string("YUYV"));
        QCOMPARE(fourccName(fourcc("Y10")), std::string("Y10"));
        QCOMPARE(fourcc("Y10"), 0x20303159U);
        QVERIFY(!fourccFromName("TOOLONG").has_value());
        QCOMPARE(fourccName(fourcc("Y16") | 0x80000000U), std::string("Y16-BE"));
        QCOMPARE(fourccFromName("Y16-BE").value_or(0), fourcc("Y16") | 0x80000000U);
        // how codes are written to memory, both ways
        QCOMPARE(pixelFormatsOfMbusCode(kSgrbg8), std::vector<std::uint32_t>{fourcc("GRBG")});
        const auto codes = mbusCodesOfPixelFormat(fourcc("RGB3"));
        QVERIFY(std::find(codes.begin(), codes.end(), kRgb888) != codes.end());
        QVERIFY(pixelFormatsOfMbusCode(0x7fff).empty());
    }

    void formatTextRoundTrips()
    {
        StreamFormat f = bus(kSgrbg8, 640, 480);
        QCOMPARE(f.toString(), std::string("SGRBG8_1X8/640x480 field:none colorspace:srgb"));
        std::string error;
        const auto parsed = parseStreamFormat(f.toString(), bus(kRgb888, 1, 1), error);
        QVERIFY2(parsed.has_value(), error.c_str());
        QVERIFY(*parsed == f);
        // parts left out keep the base's; media-ctl's fmt: prefix and an interval
        const auto partial = parseStreamFormat("fmt:SRGGB8_1X8/320x240 field:interlaced @1/30", f, error);
        QVERIFY2(partial.has_value(), error.c_str());
        QCOMPARE(partial->code, kSrggb8);
        QCOMPARE(partial->width, 320U);
        QCOMPARE(partial->field, kFieldInterlaced);
        QCOMPARE(partial->colorspace, kColorspaceSrgb);
        QCOMPARE(partial->interval, (Fraction{1, 30}));
        const auto sizeOnly = parseStreamFormat("1280x720", pix("YUYV", 640, 360), error);
        QVERIFY(sizeOnly.has_value());
        QCOMPARE(sizeOnly->code, fourcc("YUYV"));
        QCOMPARE(sizeOnly->height, 720U);
    }

    void badFormatTextIsNamed_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("named");
        QTest::newRow("code") << "NOTACODE/640x480"
                              << "\"NOTACODE\" is not a media bus code";
        QTest::newRow("size") << "SGRBG8_1X8/640by480"
                              << "\"640by480\" is not a size";
        QTest::newRow("zero") << "0x480"
                              << "\"0x480\" is not a size";
        QTest::newRow("field") << "field:sideways"
                               << "field \"sideways\" is not known: use one of any, none";
        QTest::newRow("part") << "depth:8"
                              << "unknown format part \"depth:\"";
        QTest::newRow("interval") << "@30"
                                  << "\"@30\" is not a frame interval";
        QTest::newRow("empty") << "  "
                               << "no format given";
    }
    void badFormatTextIsNamed()
    {
        QFETCH(QString, text);
        QFETCH(QString, named);
        std::string error;
        QVERIFY(!parseStreamFormat(text.toStdString(), bus(kSgrbg8, 640, 480), error).has_value());
        QVERIFY2(error.find(named.toStdString()) != std::string::npos, error.c_str());
    }

    void rangesContain()
    {
        SizeRange discrete{RangeKind::Discrete, 640, 640, 1, 360, 360, 1, {}};
        QVERIFY(discrete.contains(640, 360));
        QVERIFY(!discrete.contains(640, 480));
        SizeRange stepwise{RangeKind::Stepwise, 16, 1920, 2, 16, 1080, 2, {}};
        QVERIFY(stepwise.contains(640, 480));
        QVERIFY(!stepwise.contains(641, 480));
        QVERIFY(!stepwise.contains(4096, 480));
        QCOMPARE(stepwise.toString(), std::string("16x16 - 1920x1080 (step 2x2)"));
        IntervalRange i{RangeKind::Discrete, {1, 30}, {1, 30}, {}};
        QVERIFY(i.contains({2, 60}));
        QVERIFY(!i.contains({1, 25}));
        IntervalRange c{RangeKind::Continuous, {1, 60}, {1, 1}, {1, 1}};
        QVERIFY(c.contains({1, 30}));
        QVERIFY(!c.contains({1, 120}));
        QCOMPARE(Fraction({1001, 30000}).describe(), std::string("1001/30000 s (29.97 fps)"));
    }

    void agreeingLinksHaveNoFindings() { QVERIFY(diagnose(vimcLike(), agreeing()).empty()); }

    /// The three attributes of the kernel's rule, each named with both values; a disabled link is not checked.
    void subdevLinkMismatches_data()
    {
        QTest::addColumn<int>("which"); // 0 size, 1 code, 2 field
        QTest::addColumn<QString>("attribute");
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("sink");
        QTest::newRow("size") << 0 << "size"
                              << "640x480"
                              << "320x240";
        QTest::newRow("code") << 1 << "code"
                              << "SGRBG8_1X8"
                              << "SRGGB8_1X8";
        QTest::newRow("field") << 2 << "field"
                               << "none"
                               << "interlaced";
    }
    void subdevLinkMismatches()
    {
        QFETCH(int, which);
        QFETCH(QString, attribute);
        QFETCH(QString, source);
        QFETCH(QString, sink);
        std::vector<PinFormats> formats = agreeing();
        StreamFormat& debayer = find(formats, "Debayer_A/pad0").active;
        if (which == 0) {
            debayer.width = 320;
            debayer.height = 240;
        } else if (which == 1) {
            debayer.code = kSrggb8;
        } else {
            debayer.field = kFieldInterlaced;
        }
        const std::vector<Finding> findings = diagnose(vimcLike(), formats);
        QCOMPARE(findings.size(), std::size_t(1));
        const Finding& f = findings.front();
        QCOMPARE(f.severity, Severity::Error);
        QVERIFY(anyError(findings));
        QCOMPARE(QString::fromStdString(f.attribute), attribute);
        QCOMPARE(QString::fromStdString(f.sourceValue), source);
        QCOMPARE(QString::fromStdString(f.sinkValue), sink);
        QCOMPARE(f.link, std::string("\"Sensor A\":0 -> \"Debayer A\":0"));
        QVERIFY2(f.message.find(source.toStdString()) != std::string::npos, f.message.c_str());
        // the fixes: the sink to the source's format, then the reverse
        QCOMPARE(f.fixes.size(), std::size_t(2));
        QCOMPARE(f.fixes[0].pinId, std::string("v4l2:vimc/Debayer_A/pad0"));
        QVERIFY(f.fixes[0].format == bus(kSgrbg8, 640, 480));
        QCOMPARE(f.fixes[1].pinId, std::string("v4l2:vimc/Sensor_A/pad0"));
        QVERIFY(f.fixes[1].format == debayer);
        QVERIFY2(f.fixes[0].summary.find("\"Debayer A\":0") != std::string::npos, f.fixes[0].summary.c_str());
    }

    /// The sink's field "none" is allowed whatever the source's (progressive bridges after interlaced hardware).
    void sinkFieldNoneIsAllowed()
    {
        std::vector<PinFormats> formats = agreeing();
        find(formats, "Sensor_A/pad0").active.field = kFieldInterlaced;
        find(formats, "Raw_Capture_0/pad0").active.field = kFieldInterlaced;
        QVERIFY(diagnose(vimcLike(), formats).empty());
    }

    void videoNodePixelFormatAgainstCode()
    {
        std::vector<PinFormats> formats = agreeing();
        PinFormats& capture = find(formats, "Raw_Capture_0/pad0");
        capture.active.code = fourcc("RGGB");
        FormatOption grbg;
        grbg.code = fourcc("GRBG");
        capture.options = {FormatOption{fourcc("RGGB"), {}, {}, 0, {}}, grbg};
        const std::vector<Finding> findings = diagnose(vimcLike(), formats);
        QCOMPARE(findings.size(), std::size_t(1));
        QCOMPARE(findings[0].attribute, std::string("pixel-format"));
        QCOMPARE(findings[0].sourceValue, std::string("SGRBG8_1X8"));
        QCOMPARE(findings[0].sinkValue, std::string("RGGB"));
        QVERIFY2(findings[0].message.find("written to memory as GRBG") != std::string::npos,
                 findings[0].message.c_str());
        // the sink's fix picks the pixel format the code is written as; the reverse the code written as RGGB
        QCOMPARE(findings[0].fixes[0].format.code, fourcc("GRBG"));
        QCOMPARE(findings[0].fixes[1].format.code, kSrggb8);
        QCOMPARE(findings[0].fixes[1].format.space, FormatSpace::MediaBus);
    }

    void unknownLayoutIsANote()
    {
        std::vector<PinFormats> formats = agreeing();
        find(formats, "Sensor_A/pad0").active.code = 0x7fff;
        find(formats, "Debayer_A/pad0").active.code = 0x7fff;
        const std::vector<Finding> findings = diagnose(vimcLike(), formats);
        QCOMPARE(findings.size(), std::size_t(1));
        QCOMPARE(findings[0].severity, Severity::Note);
        QVERIFY(!anyError(findings));
        QVERIFY(findings[0].fixes.empty());
    }

    /// Colorimetry: vimc's video nodes refuse a difference, subdevices warn, "default" is not compared.
    void colorimetry()
    {
        std::vector<PinFormats> formats = agreeing();
        find(formats, "Debayer_A/pad0").active.colorspace = 3; // rec709
        find(formats, "Raw_Capture_0/pad0").active.quantization = 1;
        find(formats, "Sensor_A/pad0").active.quantization = 2;
        std::vector<Finding> findings = diagnose(vimcLike(), formats);
        QCOMPARE(findings.size(), std::size_t(2));
        QCOMPARE(findings[0].attribute, std::string("colorspace"));
        QCOMPARE(findings[0].severity, Severity::Warning);
        QCOMPARE(findings[0].sinkValue, std::string("rec709"));
        QCOMPARE(findings[1].attribute, std::string("quantization"));
        QCOMPARE(findings[1].severity, Severity::Error);
        QVERIFY2(findings[1].message.find("vimc") != std::string::npos, findings[1].message.c_str());
        find(formats, "Raw_Capture_0/pad0").driver = "uvcvideo";
        findings = diagnose(vimcLike(), formats);
        QCOMPARE(findings[1].severity, Severity::Warning);
        find(formats, "Raw_Capture_0/pad0").active.colorspace = kColorspaceDefault;
        find(formats, "Debayer_A/pad0").active.colorspace = kColorspaceDefault;
        QVERIFY(diagnose(vimcLike(), formats).empty());
    }

    void unreadableFormatIsANote()
    {
        std::vector<PinFormats> formats = agreeing();
        PinFormats& capture = find(formats, "Raw_Capture_0/pad0");
        capture.active = {};
        capture.error = "cannot open /dev/video1: Permission denied";
        const std::vector<Finding> findings = diagnose(vimcLike(), formats);
        QCOMPARE(findings.size(), std::size_t(1));
        QCOMPARE(findings[0].severity, Severity::Note);
        QVERIFY2(findings[0].message.find("Permission denied") != std::string::npos, findings[0].message.c_str());
    }

    void readOnlyPinsGetNoFix()
    {
        std::vector<PinFormats> formats = agreeing();
        PinFormats& capture = find(formats, "Raw_Capture_0/pad0");
        capture.active.width = 320;
        capture.readOnlyReason = "the queue has buffers";
        find(formats, "Sensor_A/pad0").readOnlyReason = "not settable";
        const std::vector<Finding> findings = diagnose(vimcLike(), formats);
        QCOMPARE(findings.size(), std::size_t(1));
        QVERIFY(findings[0].fixes.empty());
    }

    /// KS pins: one format per connection, within the sink's data ranges; frame intervals against what is offered.
    void ksConnections()
    {
        Topology t;
        FilterInfo cam{"sim:cam", "Camera", "sim",
                       "capture", {},       {PinInfo{"sim:cam/out", "Out", PinDirection::Output, {}, {}, {}}}};
        FilterInfo enc{"sim:enc",   "Encoder", "sim",
                       "transform", {},        {PinInfo{"sim:enc/in", "In", PinDirection::Input, {}, {}, {}}}};
        t.filters = {cam, enc};
        t.connections = {{"sim:cam/out", "sim:enc/in", ConnectionEnabled}};
        StreamFormat out;
        out.space = FormatSpace::KsSubtype;
        out.subtype = "YUY2";
        out.width = 1280;
        out.height = 720;
        out.interval = {1, 60};
        PinFormats source = pin("sim:cam/out", out, {});
        StreamFormat in = out;
        in.subtype = "NV12";
        in.interval = {1, 30};
        PinFormats sink = pin("sim:enc/in", in, {});
        FormatOption nv12;
        nv12.subtype = "NV12";
        nv12.sizes = {SizeRange{RangeKind::Continuous,
                                160,
                                1920,
                                1,
                                120,
                                1080,
                                1,
                                {IntervalRange{RangeKind::Continuous, {1, 30}, {1, 1}, {}}}}};
        sink.options = {nv12};
        std::vector<Finding> findings = diagnose(t, {source, sink});
        QCOMPARE(findings.size(), std::size_t(3));
        QCOMPARE(findings[0].attribute, std::string("subtype"));
        QCOMPARE(findings[1].attribute, std::string("data-range"));
        QCOMPARE(findings[2].attribute, std::string("frame-interval"));
        QCOMPARE(findings[2].severity, Severity::Warning);
        QVERIFY2(findings[2].sinkValue.find("1/30 s - 1/1 s") != std::string::npos, findings[2].sinkValue.c_str());
        QCOMPARE(findings[0].link, std::string("\"Camera\"/Out -> \"Encoder\"/In"));
        // a source streaming NV12 at 30 fps fits
        source.active.subtype = "NV12";
        source.active.interval = {1, 30};
        QVERIFY(diagnose(t, {source, sink}).empty());
    }

    /// A pin's own interval that it does not offer at its size.
    void pinIntervalNotOffered()
    {
        std::vector<PinFormats> formats = agreeing();
        PinFormats& capture = find(formats, "RGB_YUV_Capture/pad0");
        capture.active.interval = {1, 40};
        FormatOption rgb;
        rgb.code = fourcc("RGB3");
        rgb.sizes = {SizeRange{RangeKind::Discrete,
                               320,
                               320,
                               1,
                               240,
                               240,
                               1,
                               {IntervalRange{RangeKind::Discrete, {1, 30}, {1, 30}, {}},
                                IntervalRange{RangeKind::Discrete, {1, 25}, {1, 25}, {}}}}};
        capture.options = {rgb};
        const std::vector<Finding> findings = diagnose(vimcLike(), formats);
        QCOMPARE(findings.size(), std::size_t(1));
        QCOMPARE(findings[0].attribute, std::string("frame-interval"));
        QVERIFY(findings[0].to.empty());
        QVERIFY2(findings[0].message.find("1/40 s (40 fps)") != std::string::npos, findings[0].message.c_str());
        QVERIFY2(findings[0].message.find("1/25 s (25 fps)") != std::string::npos, findings[0].message.c_str());
    }

    void controlKeysAreV4l2Ctls()
    {
        QCOMPARE(controlKey("White Balance, Automatic"), std::string("white_balance_automatic"));
        QCOMPARE(controlKey("Inject V4L2_BUF_FLAG_ERROR"), std::string("inject_v4l2_buf_flag_error"));
        QCOMPARE(controlKey("  Percentage of Dropped Buffers "), std::string("percentage_of_dropped_buffers"));
        std::vector<ControlInfo> list{control(ControlType::Integer, "Brightness", 0, 255)};
        QVERIFY(findControl(list, "brightness"));
        QVERIFY(findControl(list, "BRIGHTNESS"));
        QVERIFY(findControl(list, "0x00980900"));
        QVERIFY(findControl(list, "9963776"));
        QVERIFY(!findControl(list, "contrast"));
    }

    void controlValuesAreChecked()
    {
        std::string error;
        const ControlInfo percent = control(ControlType::Integer, "Percentage of Dropped Buffers", 0, 100);
        QCOMPARE(parseControlValue(percent, "20", error).value_or(ControlValue{}).number, 20);
        QVERIFY(!parseControlValue(percent, "150", error));
        QCOMPARE(error, std::string("control \"Percentage of Dropped Buffers\" (percentage_of_dropped_buffers): 150 is "
                                    "out of range; the driver allows 0 to 100"));
        QVERIFY(!parseControlValue(percent, "ten", error));
        QVERIFY2(error.find("\"ten\" is not a number") != std::string::npos, error.c_str());

        ControlInfo menu = control(ControlType::Menu, "Test Pattern", 0, 3);
        menu.menu = {{0, "75% Colorbar"}, {1, "100% Colorbar"}, {3, "Noise"}};
        QCOMPARE(parseControlValue(menu, "noise", error).value_or(ControlValue{}).number, 3);
        QCOMPARE(parseControlValue(menu, "1", error).value_or(ControlValue{}).number, 1);
        QVERIFY(!parseControlValue(menu, "2", error));
        QVERIFY2(error.find("menu index 2 does not exist; the driver offers 0 (75% Colorbar), 1 (100% Colorbar), 3 "
                            "(Noise)") != std::string::npos,
                 error.c_str());
        menu.value.number = 3;
        menu.valueKnown = true;
        QCOMPARE(menu.valueText(), std::string("Noise (3)"));

        const ControlInfo flag = control(ControlType::Boolean, "Horizontal Flip", 0, 1);
        QCOMPARE(parseControlValue(flag, "on", error).value_or(ControlValue{}).number, 1);
        QVERIFY(!parseControlValue(flag, "maybe", error));

        ControlInfo mask = control(ControlType::Bitmask, "Mask", 0, 0x0f);
        QVERIFY(parseControlValue(mask, "0x3", error));
        QVERIFY(!parseControlValue(mask, "0x10", error));
        QVERIFY2(error.find("outside the mask 0x0000000f") != std::string::npos, error.c_str());

        const ControlInfo text = control(ControlType::String, "Name", 2, 4);
        QCOMPARE(parseControlValue(text, "abc", error).value_or(ControlValue{}).text, std::string("abc"));
        QVERIFY(!parseControlValue(text, "abcdef", error));

        const ControlInfo button = control(ControlType::Button, "Inject VIDIOC_QBUF Error", 0, 0);
        QVERIFY(parseControlValue(button, "", error));
        QVERIFY(!parseControlValue(button, "5", error));
        QVERIFY(button.writeOnly());

        ControlInfo readOnly = percent;
        readOnly.flags = kControlFlagReadOnly;
        QVERIFY(!parseControlValue(readOnly, "1", error));
        QVERIFY2(error.find("is read-only") != std::string::npos, error.c_str());
        QCOMPARE(controlFlagsText(kControlFlagReadOnly | kControlFlagVolatile), std::string("read-only, volatile"));
    }
};

QTEST_GUILESS_MAIN(TestDoctor)
#include "tst_doctor.moc"
