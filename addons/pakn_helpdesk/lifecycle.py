# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The life of a case: its states and the events of its steps, each with
its properties, declared once for the three modules.

States:
- open: the case is still being handled (queues, deadlines, escalation);
- delivered: the submitter has received the answer (rating, follow-up);
- public: the answer may be on the portal (if not confidential);
- final: nothing more happens to the case but closing it.

Events (the types of `pakn.ticket.event`):
- public: the submitter sees the step when tracking the case (the others,
  who contributed, sent back, escalated…, are the staff's own business);
- stage: the event of the regulation profiles' stages (`pakn.sla.stage`
  start and end events) the step stands for;
- ending: after it no deadline of the case runs any more;
- delivers: the step delivers the answer to the submitter.

Every event is written by `Ticket.write_events` (a step calls it after
its checks); then `Ticket.react_to_events` runs the reactions that the
modules register in `Ticket.event_reactions`, in their order: see there."""
from collections import namedtuple

State = namedtuple('State', [
        'code', 'string', 'open', 'delivered', 'public', 'final'])
Event = namedtuple('Event', [
        'code', 'string', 'public', 'stage', 'ending', 'delivers'])

_STATES = [
    State('received', "Received", True, False, False, False),
    State('clarification', "Clarification Requested",
        True, False, False, False),
    State('rejected', "Rejected", False, False, False, True),
    State('duplicate', "Duplicate", False, False, False, True),
    State('answered', "Answered Directly", False, True, False, True),
    State('forwarded', "Forwarded", True, False, False, False),
    State('processing', "Processing", True, False, False, False),
    State('waiting_approval', "Waiting for Approval",
        True, False, False, False),
    State('approved', "Approved", True, False, False, False),
    State('published', "Published", False, True, True, True),
    State('sent_privately', "Sent Privately", False, True, False, True),
    State('closed', "Closed", False, True, True, True),
    ]
_EVENTS = [
    # code, string, public, stage, ending, delivers
    Event('received', "Received", True, 'received', False, False),
    Event('rejected', "Rejected", True, None, True, False),
    Event('duplicate', "Marked as Duplicate", True, None, True, False),
    Event('clarification_requested', "Clarification Requested",
        True, 'clarification', False, False),
    Event('resubmitted', "Received Again", True, 'resubmitted', False, False),
    Event('intake_checked', "Intake Checked", True, 'checked', False, False),
    Event('answered_directly', "Answered Directly",
        True, 'answered', True, True),
    Event('forwarded', "Forwarded", True, 'forwarded', False, False),
    Event('returned', "Returned as Not Competent",
        False, 'returned', False, False),
    Event('accepted', "Accepted", True, 'accepted', False, False),
    Event('contributed', "Contribution Given", False, None, False, False),
    Event('submitted', "Submitted for Approval",
        False, 'submitted', False, False),
    Event('sent_back', "Sent Back", False, 'sent_back', False, False),
    Event('approved', "Approved", False, 'approved', False, False),
    Event('published', "Published", True, 'answered', True, True),
    Event('sent_privately', "Sent Privately", True, 'answered', True, True),
    Event('closed', "Closed", True, None, True, False),
    Event('escalated', "Escalated to the Unit Head",
        False, 'escalated', False, False),
    Event('escalated_office', "Forwarded to the Supervising Office",
        False, None, False, False),
    Event('overdue', "Marked Overdue", False, None, False, False),
    Event('deadline_missed', "Deadline Missed", False, None, False, False),
    Event('reminder', "Reminder", False, None, False, False),
    Event('extended', "Extended", True, None, False, False),
    Event('temporary_fix', "Temporary Fix", True, 'fixed', False, False),
    Event('office_reported', "Reported to the Supervising Office",
        False, 'reported', False, False),
    Event('delay_explained', "Reason for the Delay",
        True, None, False, False),
    Event('intake_corrected', "Intake Data Corrected",
        False, None, False, False),
    Event('confidentiality_raised', "Marked Confidential",
        False, None, False, False),
    Event('confidentiality_lowered', "Confidentiality Lifted",
        False, None, False, False),
    ]
STATE = {s.code: s for s in _STATES}
EVENT = {e.code: e for e in _EVENTS}

# The selections of the fields
STATES = [(s.code, s.string) for s in _STATES]
EVENT_TYPES = [(e.code, e.string) for e in _EVENTS]


def states(**properties):
    "The codes of the states with these properties, e.g. states(open=True)"
    return [s.code for s in _STATES
        if all(getattr(s, k) == v for k, v in properties.items())]


def events(**properties):
    "The codes of the event types with these properties"
    return [e.code for e in _EVENTS
        if all(getattr(e, k) == v for k, v in properties.items())]


OPEN_STATES = states(open=True)
CLOSED_STATES = states(open=False)
DELIVERED_STATES = states(delivered=True)
PUBLIC_STATES = states(public=True)
# Once approved, the answer (and the evidence it names) is fixed
ANSWER_FIXED_STATES = ['approved'] + DELIVERED_STATES
PUBLIC_EVENTS = events(public=True)
ENDING_EVENTS = events(ending=True)
DELIVERING_EVENTS = events(delivers=True)
# The event of the stages (pakn.sla EVENTS) each event type stands for
STAGE_EVENTS = {e.code: e.stage for e in _EVENTS if e.stage}
