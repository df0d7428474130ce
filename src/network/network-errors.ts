/** Marks network set-up failures, which a start reports as they are (not as runtime errors). */
export const NETWORK_ERROR = 'BERTH_ERR_NETWORK';
