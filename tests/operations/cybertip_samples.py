"""CyberTipline reports as XML, written in the shape of NCMEC's reporting API (report,
incidentSummary, reporter, personOrUserReported, internetDetails, fileDetails). Synthetic people
only: example.org, Ofcom drama numbers, documentation IP ranges."""

from __future__ import annotations


def file_details(
    report_id: str | None,
    n: int,
    *,
    md5: str | None = None,
    pdq: str | None = "ab" * 32,
    upload_at: str = "2026-10-01T12:00:00Z",
) -> str:
    named = f"<reportId>{report_id}</reportId>" if report_id else ""
    pdq_detail = (
        f'<details type="HASH"><name>PDQ</name><value>{pdq}</value></details>' if pdq else ""
    )
    return (
        f"<fileDetails>{named}<fileId>file-{n}</fileId><fileName>stored-{n}.jpg</fileName>"
        f"<originalFileName>f{n}.jpg</originalFileName>"
        "<fileViewedByEsp>true</fileViewedByEsp><publiclyAvailable>false</publiclyAvailable>"
        "<industryClassification>A1</industryClassification>"
        f'<originalFileHash hashType="MD5">{md5 or f"{n:032X}"}</originalFileHash>'
        f'<originalFileHash hashType="SHA1">{n:040x}</originalFileHash>'
        f"<ipCaptureEvent><ipAddress>198.51.100.{n % 250}</ipAddress><eventName>Upload</eventName>"
        f"<dateTime>{upload_at}</dateTime><port>443</port></ipCaptureEvent>"
        f'{pdq_detail}<details type="EXIF"><name>Make</name><value>Camera</value></details>'
        "</fileDetails>"
    )


def cybertip_report(
    report_id: str | int | None,
    n: int = 1,
    *,
    incident_at: str = "2026-10-01T12:00:00Z",
    login_at: str = "2026-10-01T13:00:00+01:00",
    files: str | None = None,
    person_extra: str = "",
) -> str:
    number = f"<reportId>{report_id}</reportId>" if report_id is not None else ""
    inner_files = file_details(None, n) if files is None else files
    return (
        f"<report>{number}"
        "<incidentSummary><incidentType>Child Pornography (possession, manufacture, and "
        "distribution)</incidentType><reportAnnotations><sextortion/></reportAnnotations>"
        f"<incidentDateTime>{incident_at}</incidentDateTime></incidentSummary>"
        "<internetDetails><webPageIncident><url>https://example.org/p</url>"
        "</webPageIncident></internetDetails>"
        "<reporter><reportingPerson><firstName>Trust</firstName><lastName>Safety</lastName>"
        "<email>reports@example.net</email></reportingPerson>"
        "<companyTemplate>Example ESP</companyTemplate></reporter>"
        "<personOrUserReported><personOrUserReportedPerson>"
        f'<firstName>Pat</firstName><email verified="true">User{n}@Example.org</email>'
        '<phone type="Mobile" countryCallingCode="+44">7700900123</phone>'
        "<address><address>1 Example Street</address><city>London</city>"
        "<zipCode>sw1a1aa</zipCode><country>GB</country></address>"
        "<address><address>1 Main St</address><zipCode>90210</zipCode><country>US</country>"
        "</address></personOrUserReportedPerson>"
        f"<espIdentifier>esp-{n}</espIdentifier><espService>Chat</espService>"
        f"<screenName>Screen{n}</screenName><displayName>Pat</displayName>"
        f"<profileUrl>https://example.org/u/{n}</profileUrl>"
        "<ipCaptureEvent><ipAddress>203.0.113.7</ipAddress><eventName>Login</eventName>"
        f"<dateTime>{login_at}</dateTime><possibleProxy>false</possibleProxy><port>51234</port>"
        "</ipCaptureEvent>"
        f"<deviceId><idType>IMEI</idType><idValue>35-209900-176148-{n}</idValue></deviceId>"
        f"<priorCTReports>900{n}</priorCTReports>{person_extra}"
        "</personOrUserReported>"
        f"{inner_files}<additionalInfo>free text</additionalInfo></report>"
    )


def cybertip_file(*reports: str, outside: str = "", root: str = "reports") -> str:
    body = "".join(reports) + outside
    if root == "":
        return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{body}</{root}>\n'
