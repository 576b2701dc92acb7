"""Admin: sinks (secrets masked, never shown or editable in clear) and deliveries (read-only bookkeeping)."""

from __future__ import annotations

from django.contrib import admin

from simulations.delivery.models import DeadLetter, Sink, SlotDelivery


@admin.register(Sink)
class SinkAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "owner", "url", "batch_size", "secret_hint", "enabled", "disabled_reason")
    list_filter = ("kind", "enabled")
    search_fields = ("name", "url", "owner__username")
    exclude = ("secret_encrypted",)
    readonly_fields = ("secret_hint", "state", "created_at", "updated_at")


@admin.register(SlotDelivery)
class SlotDeliveryAdmin(admin.ModelAdmin):
    list_display = ("simulation", "slot", "sink", "since", "offset", "delivered", "failed", "dead", "lag_p50_ms",
                    "next_attempt_at", "last_error")  # fmt: skip
    list_filter = ("sink",)
    list_select_related = ("sink", "slot")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("simulation", "sink", "slot", "since", "until", "start", "stop", "error", "created_at",
                    "replayed_at")  # fmt: skip
    list_filter = ("sink", "replayed_at")

    def has_add_permission(self, request: object) -> bool:
        return False
