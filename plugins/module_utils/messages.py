# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a module says to its user besides its result: warnings."""


def warn(module, message):
    """Warn through ansible-core's own AnsibleModule.warn().

    amazon.aws 10 and later's AnsibleAWSModule.warn() also keeps the message and, on ansible-core 2.19 and later,
    passes it to exit_json/fail_json as ``warnings=``, which ansible-core reports as deprecated ("Passing warnings to
    exit_json or fail_json is deprecated"). ansible-core puts what its own warn() recorded in the result by itself,
    so the warning reaches the user (console and the result's ``warnings``) once, without that notice.
    """
    getattr(module, "_module", module).warn(message)
