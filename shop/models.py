"""Imports every model module so the metadata knows all tables (Alembic, create_all)."""

from shop.accounts.models import User  # noqa: F401
from shop.agencies.models import (  # noqa: F401, E402
    ApprovalRequest,
    BillingEntity,
    Organisation,
    OrganisationInvitation,
    OrganisationMember,
)
from shop.audit.models import AuditLog  # noqa: F401, E402
from shop.batches.models import GiftBatch, GiftBatchRecipient  # noqa: F401, E402
from shop.bundles.models import Bundle, BundleComponent  # noqa: F401, E402
from shop.cart.models import Cart, CartLine  # noqa: F401, E402
from shop.catalog.models import (  # noqa: F401
    Category,
    OcopCertificate,
    Producer,
    Product,
    ProductImage,
)
from shop.catalog.stock import StockAdjustment  # noqa: F401, E402
from shop.evaluations.models import Evaluation, IssuingAuthority  # noqa: F401, E402
from shop.invoicing.models import (  # noqa: F401, E402
    InvoiceRequest,
    IssuedInvoice,
    OrderInvoiceData,
)
from shop.jobs.models import JobRun  # noqa: F401, E402
from shop.lots.models import Lot  # noqa: F401, E402
from shop.moderation.models import ListingRevision  # noqa: F401, E402
from shop.orders.models import Order, OrderEvent, OrderLine, ProducerOrder  # noqa: F401, E402
from shop.outbox.models import OutboxMessage  # noqa: F401, E402
from shop.partners.models import ApiKey, IdempotencyRecord, PartnerBooking  # noqa: F401, E402
from shop.payments.models import Payment, Refund, WebhookEvent  # noqa: F401, E402
from shop.payouts.bank_accounts import ProducerBankAccount  # noqa: F401, E402
from shop.payouts.models import (  # noqa: F401, E402
    CommissionRule,
    LedgerEntry,
    LedgerRelease,
    Payout,
    PayoutHold,
    PayoutRun,
)
from shop.payouts.office_models import (  # noqa: F401, E402
    LedgerAdjustment,
    Remittance,
    RemittanceLine,
)
from shop.producer.models import ProducerInvitation  # noqa: F401, E402
from shop.quotes.models import Quote, QuoteHold, QuoteLine  # noqa: F401, E402
from shop.tourism.models import (  # noqa: F401, E402
    Booking,
    Experience,
    ExperienceSession,
    Guest,
    PriceTier,
    Ticket,
    UnitType,
)
