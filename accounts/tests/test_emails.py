"""Addresses typed into customer forms: one mailbox, one spelling."""

import pytest
from django.core.exceptions import ValidationError

from accounts.emails import PLAIN_ADDRESS_MESSAGE, customer_email_clean


@pytest.mark.parametrize(
    "typed",
    ['"victim"@example.org', '"\\victim"@example.org', "victim@[192.0.2.1]", "victim@[IPv6:::1]"],
)
def test_quoted_and_literal_addresses_are_refused_with_a_plain_example(typed):
    with pytest.raises(ValidationError) as refused:
        customer_email_clean(typed)

    assert refused.value.messages == [str(PLAIN_ADDRESS_MESSAGE)]


@pytest.mark.parametrize(
    "typed", ["victim@example.org", "  Victim@Example.ORG ", "VICTIM@EXAMPLE.ORG"]
)
def test_one_mailbox_typed_in_any_case_is_one_address(typed):
    assert customer_email_clean(typed) == "victim@example.org"


def test_a_plain_address_reads_like_an_example():
    assert "name@example.com" in str(PLAIN_ADDRESS_MESSAGE)
