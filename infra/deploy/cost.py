"""The monthly cost estimate in docs/cost.md: ``python -m infra.deploy.cost`` prints its table.

Every number is an assumption written here once, so the document and the arithmetic cannot drift
(a test compares them). Prices are AWS list prices for ap-northeast-2 (Seoul) in USD, without the
free tier, as known when this was written; check them in the AWS Pricing Calculator before
budgeting.
"""

from __future__ import annotations

from dataclasses import dataclass

EMPLOYEES = 3_000
WORKING_DAYS = 22  # per month: the tools are used on working days
DAYS = 30
HOURS = 730

# -- prices, USD, ap-northeast-2 ---------------------------------------------------------------
PRICE = {
    "lambda_gb_s": 0.0000166667,       # x86_64, per GB-second
    "lambda_request": 0.20 / 1e6,
    "apigw_rest_request": 3.50 / 1e6,  # REST API, first 333 M requests
    "ddb_write_unit": 0.7115 / 1e6,    # on-demand write request unit
    "ddb_read_unit": 0.1423 / 1e6,     # on-demand read request unit
    "ddb_storage_gb": 0.2846,          # per GB-month
    "ddb_pitr_gb": 0.228,              # continuous backups, per GB-month
    "kinesis_shard_hour": 0.0179,      # provisioned mode
    "kinesis_put_unit": 0.0167 / 1e6,  # per 25 KB PUT payload unit
    "s3_gb": 0.025,                    # Standard, first 50 TB, per GB-month
    "s3_put": 0.0045 / 1000,
    "s3_get": 0.00035 / 1000,
    "sqs_request": 0.40 / 1e6,
    "logs_ingest_gb": 0.76,
    "logs_storage_gb": 0.0314,
    "alarm": 0.10,                     # standard-resolution alarm, per month
    "dashboard": 3.00,                 # per dashboard-month (3 are free per account)
    "secret": 0.40,                    # per secret-month
    "kms_key": 1.00,                   # per customer-managed key-month
    "kms_sign_request": 0.15 / 10_000,  # asymmetric (ECC) Sign
    "kms_request": 0.03 / 10_000,       # symmetric (GenerateDataKey, Decrypt)
    "ses_email": 0.10 / 1000,
    "bedrock_titan_embed_v2_1k_tokens": 0.00002,  # Titan Text Embeddings V2, per 1,000 input tokens
}

# -- usage --------------------------------------------------------------------------------------
# Who does what on a working day (fractions of the 3,000 employees), and what that costs in calls.
TRAVELLERS = 0.10 * EMPLOYEES            # on a business trip: register, 2 proofs, 2 QR views, 3 lists
TRIP_REQUESTS = 8
VERIFICATIONS = 100                      # auditors' verifications per day
PHOTO_USERS = 0.10 * EMPLOYEES           # upload 3 photos and view 5 pages
PHOTOS_PER_USER = 3
PHOTO_REQUESTS = PHOTOS_PER_USER + 5
PHOTO_MB = 3.0                           # original + variants
CAFETERIA_USERS = 0.50 * EMPLOYEES       # check crowding twice, forecast once in three days
CAFETERIA_REQUESTS = 2.33
BRIEFING_USERS = 0.50 * EMPLOYEES        # open the briefing 3 times
BRIEFING_REQUESTS = 3
SHELL_REQUESTS = 6                       # home page, /me, static files, per employee per day
ALERTS_PER_USER = 5                      # briefing deliveries per user per day (all users)
EMAIL_SHARE = 0.30                       # deliveries sent by e-mail (the rest by messenger webhooks)
PERSONAL_CHANNELS = 0.10 * EMPLOYEES     # users with a personal channel secret (webhook, Slack...)
PROFILE_SAVES = 4                        # per personal-channel user per month (GenerateDataKey)
ORG_SECRETS = 1                          # Secrets Manager: the NAVER WORKS bot credentials
COUNTER_ZONES = 4                        # cafeteria zones with a people counter
COUNTER_RECORDS_PER_SECOND = 1.0         # per zone, 24 h (the counters do not stop)
BRIEFING_ITEMS_PER_DAY = 500             # crawled items, each embedded once (title + 300-char lead)
ITEM_TOKENS = 250                        # Titan tokens of a Korean title + lead (about 1 per 1.3 characters)
PROFILE_TOKENS = 120                     # department + duties and each duty phrase, re-embedded on change
PROFILE_CHANGES = 1.0                    # per employee per month (edits, a duty-table import)


@dataclass(frozen=True)
class Line:
    service: str
    usage: str
    usd: float


def api_requests_per_month() -> float:
    per_day = (TRAVELLERS * TRIP_REQUESTS + VERIFICATIONS + PHOTO_USERS * PHOTO_REQUESTS
               + CAFETERIA_USERS * CAFETERIA_REQUESTS + BRIEFING_USERS * BRIEFING_REQUESTS
               + EMPLOYEES * SHELL_REQUESTS)
    return per_day * WORKING_DAYS


def lambda_usage() -> tuple[float, float]:
    """(GB-seconds, invocations) per month, per function: memory GB × seconds × invocations."""
    api = api_requests_per_month()
    photos = PHOTO_USERS * PHOTOS_PER_USER * WORKING_DAYS
    crawler = 96 * DAYS                                  # every 15 minutes
    density = 86_400 / 10 * DAYS                         # one batch per 10-second window
    deliveries = EMPLOYEES * ALERTS_PER_USER * WORKING_DAYS
    notifier = deliveries / 10                           # SQS batches of 10
    functions = [  # (invocations, seconds, GB)
        (api, 0.15, 0.5), (photos, 2.0, 1.0), (crawler, 60.0, 1.0), (density, 0.2, 0.25),
        (notifier, 1.0, 0.5)]
    return sum(n * s * gb for n, s, gb in functions), sum(n for n, _, _ in functions)


def estimate() -> list[Line]:
    p = PRICE
    api = api_requests_per_month()
    gb_s, invocations = lambda_usage()
    photos_month = PHOTO_USERS * PHOTOS_PER_USER * WORKING_DAYS
    s3_gb = photos_month * 12 * PHOTO_MB / 1024          # steady state: one year of photos kept
    deliveries = EMPLOYEES * ALERTS_PER_USER * WORKING_DAYS
    # per working day: trips 3 writes, photos 2, briefing items 500 × 3; per month: density
    # aggregates one item per zone per minute, every delivery 2 writes; ×1.5 for GSI writes
    daily = TRAVELLERS * 3 + PHOTO_USERS * PHOTOS_PER_USER * 2 + 500 * 3
    writes = (daily * WORKING_DAYS + COUNTER_ZONES * 1_440 * DAYS + deliveries * 2) * 1.5
    reads = api * 3 + deliveries * 2
    table_gb = 5.0
    kinesis_units = COUNTER_ZONES * COUNTER_RECORDS_PER_SECOND * 86_400 * DAYS
    log_gb = invocations * 2 / 1024 / 1024               # ~2 KB of JSON log per invocation
    alarms = 6 * 2 + 3 + 1 + 1                           # 6 functions, 3 DLQs, 1 stream, 1 API
    signs = TRAVELLERS * 2 * WORKING_DAYS
    # channel secrets: one Decrypt per delivery to a personal channel (webhook, Slack, Dooray),
    # one Decrypt + GenerateDataKey per profile save
    channel_kms = PERSONAL_CHANNELS * (ALERTS_PER_USER * WORKING_DAYS + PROFILE_SAVES * 2)
    # the briefing's meaning signal with BriefingEmbedder=bedrock (the packaged model costs only
    # the crawler's Lambda time, already counted): every item once, every changed profile once
    embed_tokens = BRIEFING_ITEMS_PER_DAY * DAYS * ITEM_TOKENS + EMPLOYEES * PROFILE_CHANGES * PROFILE_TOKENS
    return [
        Line("Lambda compute", f"{gb_s:,.0f} GB-s", gb_s * p["lambda_gb_s"]),
        Line("Lambda requests", f"{invocations / 1e6:.2f} M", invocations * p["lambda_request"]),
        Line("API Gateway (REST)", f"{api / 1e6:.2f} M requests", api * p["apigw_rest_request"]),
        Line("DynamoDB on-demand writes", f"{writes / 1e6:.2f} M WRU", writes * p["ddb_write_unit"]),
        Line("DynamoDB on-demand reads", f"{reads / 1e6:.2f} M RRU", reads * p["ddb_read_unit"]),
        Line("DynamoDB storage + PITR", f"{table_gb:.0f} GB",
             table_gb * (p["ddb_storage_gb"] + p["ddb_pitr_gb"])),
        Line("Kinesis shard-hours", f"1 shard × {HOURS} h", HOURS * p["kinesis_shard_hour"]),
        Line("Kinesis PUT payload units", f"{kinesis_units / 1e6:.1f} M",
             kinesis_units * p["kinesis_put_unit"]),
        Line("S3 storage (photos, month 12)", f"{s3_gb:,.0f} GB", s3_gb * p["s3_gb"]),
        Line("S3 requests", f"{photos_month * 4 / 1000:.0f} k PUT, {photos_month * 10 / 1000:.0f} k GET",
             photos_month * 4 * p["s3_put"] + photos_month * 10 * p["s3_get"]),
        Line("SQS", f"{deliveries * 3 / 1e6:.2f} M requests", deliveries * 3 * p["sqs_request"]),
        Line("CloudWatch Logs", f"{log_gb:.1f} GB ingested, 90 days kept",
             log_gb * p["logs_ingest_gb"] + log_gb * 3 * p["logs_storage_gb"]),
        Line("CloudWatch alarms + dashboard", f"{alarms} alarms, 1 dashboard",
             alarms * p["alarm"] + p["dashboard"]),
        Line("Secrets Manager", f"{ORG_SECRETS} secret", ORG_SECRETS * p["secret"]),
        Line("KMS (proof signing key)", f"1 key, {signs / 1000:.0f} k Sign",
             p["kms_key"] + signs * p["kms_sign_request"]),
        Line("KMS (briefing channel key)", f"1 key, {channel_kms / 1000:.0f} k requests",
             p["kms_key"] + channel_kms * p["kms_request"]),
        Line("SES e-mail", f"{deliveries * EMAIL_SHARE / 1000:.0f} k e-mails",
             deliveries * EMAIL_SHARE * p["ses_email"]),
        Line("Bedrock Titan Text Embeddings V2 (if chosen)", f"{embed_tokens / 1e6:.1f} M input tokens",
             embed_tokens / 1000 * p["bedrock_titan_embed_v2_1k_tokens"]),
    ]


def table(lines: list[Line]) -> str:
    rows = ["| service | usage per month | USD per month |", "|---|---|---:|"]
    rows += [f"| {line.service} | {line.usage} | {line.usd:,.2f} |" for line in lines]
    rows.append(f"| **total** | | **{sum(line.usd for line in lines):,.2f}** |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(estimate()))
